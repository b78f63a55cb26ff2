// A hostile client for BodyLimitTests: sends COUNT bodies of SIZE bytes at once to URL (a JSON body that never ends
// early), each as fast as the server takes it, and prints one JSON line: the outcome of every request.
//   node oversized-bodies.mjs <url> <count> <size> <user>
import http from "node:http";

const [url, count, size, user] = process.argv.slice(2);
const chunk = Buffer.alloc(64 * 1024, "a");

function send() {
  return new Promise(resolve => {
    const request = http.request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Number(size), "x-dev-user": user },
    });
    let settled = false;
    let answered = false;
    const done = outcome => { if (!settled) { settled = true; request.destroy(); resolve(outcome); } };
    request.on("response", response => {
      // The server has answered: stop sending, read its answer.
      answered = true;
      let body = "";
      response.on("data", d => { body += d; });
      response.on("end", () => done({ status: response.statusCode, body }));
      response.on("error", () => done({ status: response.statusCode, body }));
    });
    request.on("error", () => done({ status: 0, body: "" }));
    let sent = 0;
    const pump = () => {
      while (sent < Number(size) && !answered) {
        const n = Math.min(chunk.length, Number(size) - sent);
        sent += n;
        if (!request.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          request.once("drain", pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    request.write('{"content":"');
    pump();
  });
}

const outcomes = await Promise.all(Array.from({ length: Number(count) }, send));
console.log(JSON.stringify(outcomes.map(o => ({ status: o.status, code: o.body ? (JSON.parse(o.body).code ?? null) : null }))));
