// Opening a run.json (written by `groklab train --out` or saved from the page): its config
// becomes the page's run, and its history is drawn. JSON has no NaN: a diverged run's
// non-finite losses are `null` in the file and become NaN here, as in the Rust reader.

/** The newest run.json format this page reads (src/run.rs, RUN_FILE_VERSION). */
export const RUN_FILE_VERSION = 2;

const REAL_FIELDS = ['train_loss', 'test_loss', 'train_acc', 'test_acc', 'weight_norm'];

/**
 * Parse the text of a run.json into {config, history, summary, snapshots, liuPrediction, algorithmGraph, symmetryPairs}, or throw an Error that says
 * what is wrong with the file.
 */
export function parseRunFile(text) {
  let file;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${e.message})`);
  }
  if (!file || typeof file !== 'object' || !file.config || typeof file.config !== 'object') {
    throw new Error('not a Groklab run file (it has no config)');
  }
  const version = file.version ?? 1;
  if (version > RUN_FILE_VERSION) {
    throw new Error(`run file version ${version} is newer than this page understands (${RUN_FILE_VERSION})`);
  }
  if (!Array.isArray(file.history)) throw new Error('not a Groklab run file (it has no history)');
  const history = file.history.map((r, i) => {
    if (!r || typeof r.step !== 'number') throw new Error(`history record ${i} has no step`);
    const out = { ...r };
    for (const k of REAL_FIELDS) out[k] = typeof r[k] === 'number' ? r[k] : NaN;
    out.grad_norms = Array.isArray(r.grad_norms) ? r.grad_norms.map((g) => (typeof g === 'number' ? g : NaN)) : [];
    return out;
  });
  const snapshots = Array.isArray(file.snapshots) ? file.snapshots.filter((s) => s && typeof s.step === 'number') : [];
  const liuPrediction = file.liu_prediction && typeof file.liu_prediction === 'object' ? file.liu_prediction : null;
  const algorithmGraph = file.algorithm_graph && Array.isArray(file.algorithm_graph.nodes) ? file.algorithm_graph : null;
  const symmetryPairs = Array.isArray(file.symmetry_pairs) ? file.symmetry_pairs.map(String) : [];
  return { config: file.config, history, summary: file.summary || null, snapshots, liuPrediction, algorithmGraph, symmetryPairs };
}
