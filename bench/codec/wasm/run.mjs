// Times W1 in the wasm32 build of petrel-bench-codec under Node.
// Usage: node run.mjs <petrel_bench_codec.wasm> [--quick]
// Prints one line per decoder and mode: `<decoder> <whole|chunked> <MiB/s or error>`.
import { readFileSync } from "node:fs";

const [wasmPath, mode] = process.argv.slice(2);
const quick = mode === "--quick";
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
  env: { now: () => performance.now() },
});
const { bench_w1, w1_len } = instance.exports;
const names = ["petrel", "imap-codec", "imap-proto-0.17", "imap-proto-0.16.7"];
const messages = quick ? 200 : 10000;
const runs = quick ? 1 : 7;
const bytes = w1_len(messages);
const errors = { "-1": "wrong-response-count", "-2": "decode-error", "-3": "unknown-decoder" };
for (const [label, chunk] of [["whole", 0], ["chunked", 16384]]) {
  names.forEach((name, i) => {
    const ms = bench_w1(i, messages, chunk, runs);
    const value = ms < 0 ? errors[String(ms)] ?? `error ${ms}` : (bytes / 1048576 / (ms / 1000)).toFixed(3);
    console.log(`${name} ${label} ${value}`);
  });
}
