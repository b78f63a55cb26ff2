// Drives the official openai npm package against the API's OpenAI-compatible route, one scenario per run, and prints
// what the SDK saw as one JSON line. Run by Tests/Integration/OpenAiNpmClientTests.cs:
//   node run.mjs <scenario>   with OPENAI_BASE_URL, OPENAI_API_KEY, MODEL (and PROMPT) in the environment.
import OpenAI from "openai";

const scenario = process.argv[2];
const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0, timeout: 60_000 });
const model = process.env.MODEL;
const messages = [{ role: "user", content: process.env.PROMPT ?? "Say hello" }];

function failure(error) {
  return { error: true, status: error.status ?? null, name: error.constructor?.name ?? null, code: error.code ?? null, type: error.type ?? null,
    message: error.message ?? null, retryAfter: error.headers?.get?.("retry-after") ?? null };
}

async function run() {
  switch (scenario) {
    case "whole": {
      const completion = await client.chat.completions.create({ model, messages });
      return { id: completion.id, object: completion.object, model: completion.model, text: completion.choices[0].message.content,
        role: completion.choices[0].message.role, finish: completion.choices[0].finish_reason, usage: completion.usage, choices: completion.choices.length };
    }
    case "stream": {
      const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
      let text = "", finish = null, usage = null, chunks = 0, role = null;
      const ids = new Set();
      for await (const chunk of stream) {
        chunks++;
        ids.add(chunk.id);
        if (chunk.object !== "chat.completion.chunk") throw new Error(`unexpected object ${chunk.object}`);
        for (const choice of chunk.choices) {
          role ??= choice.delta.role ?? null;
          text += choice.delta.content ?? "";
          finish = choice.finish_reason ?? finish;
        }
        usage = chunk.usage ?? usage;
      }
      return { text, finish, usage, chunks, ids: ids.size, role };
    }
    case "stream-no-usage": {
      const stream = await client.chat.completions.create({ model, messages, stream: true });
      let text = "", usage = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        usage = chunk.usage ?? usage;
      }
      return { text, usage };
    }
    case "abort": {
      const controller = new AbortController();
      const stream = await client.chat.completions.create({ model, messages, stream: true }, { signal: controller.signal });
      let chunks = 0;
      try {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) chunks++;
          if (chunks === 3) controller.abort();
        }
      } catch (error) {
        return { aborted: controller.signal.aborted, chunks, threw: error.constructor?.name ?? null };
      }
      // The SDK ends the iteration quietly when its signal aborts.
      return { aborted: controller.signal.aborted, chunks };
    }
    case "models": {
      const list = await client.models.list();
      return { ids: list.data.map(m => m.id), objects: [...new Set(list.data.map(m => m.object))] };
    }
    case "tools": {
      await client.chat.completions.create({ model, messages, tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }] });
      return { error: false };
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

try {
  console.log(JSON.stringify(await run()));
} catch (error) {
  console.log(JSON.stringify(failure(error)));
}
