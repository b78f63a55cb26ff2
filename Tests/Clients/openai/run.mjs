// Drives the official openai npm package against the API's OpenAI-compatible route, one scenario per run, and prints
// what the SDK saw as one JSON line. Run by Tests/Integration/OpenAiNpmClientTests.cs:
//   node run.mjs <scenario>   with OPENAI_BASE_URL, OPENAI_API_KEY, MODEL (and PROMPT) in the environment.
import OpenAI from "openai";

const scenario = process.argv[2];
const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0, timeout: 60_000 });
const model = process.env.MODEL;
const messages = [{ role: "user", content: process.env.PROMPT ?? "Say hello" }];
const weatherTools = [{ type: "function", function: { name: "get_weather", description: "The weather in a city now.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];

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
      // The model asks for the weather, the client answers it, the model finishes: one round trip, not streamed.
      const first = await client.chat.completions.create({ model, messages, tools: weatherTools });
      const asked = first.choices[0].message;
      const call = asked.tool_calls[0];
      const second = await client.chat.completions.create({ model, tools: weatherTools,
        messages: [...messages, asked, { role: "tool", tool_call_id: call.id, content: JSON.stringify({ celsius: 21 }) }] });
      return { finish: first.choices[0].finish_reason, content: asked.content, calls: asked.tool_calls.length, id: call.id, type: call.type,
        name: call.function.name, args: JSON.parse(call.function.arguments), finish2: second.choices[0].finish_reason, text: second.choices[0].message.content };
    }
    case "tools-stream": {
      // The SDK's own stream helper assembles the tool_calls deltas into the final message, as agents built on it do.
      const stream = client.chat.completions.stream({ model, messages, tools: weatherTools, stream_options: { include_usage: true } });
      const deltas = [];
      stream.on("chunk", chunk => { for (const choice of chunk.choices) for (const call of choice.delta.tool_calls ?? []) deltas.push(call); });
      const first = await stream.finalChatCompletion();
      const asked = first.choices[0].message;
      const call = asked.tool_calls[0];
      const next = client.chat.completions.stream({ model, tools: weatherTools,
        messages: [...messages, asked, { role: "tool", tool_call_id: call.id, content: JSON.stringify({ celsius: 21 }) }] });
      const second = await next.finalChatCompletion();
      return { finish: first.choices[0].finish_reason, calls: asked.tool_calls.length, id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments),
        deltas: deltas.length, firstDeltaHasId: !!deltas[0]?.id, usage: first.usage, finish2: second.choices[0].finish_reason, text: second.choices[0].message.content };
    }
    case "embeddings": {
      const input = ["the cat sat on the mat", "a cat sat on a mat", "quarterly revenue grew"];
      // Floats asked for by name; the SDK's default asks for base64 and decodes it (openai-node #1312).
      const floats = await client.embeddings.create({ model, input, encoding_format: "float" });
      const decoded = await client.embeddings.create({ model, input });
      const raw = await client.embeddings.create({ model, input: "the cat sat on the mat", encoding_format: "base64" });
      const cosine = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);
      const [cat, cat2, revenue] = floats.data.map(d => d.embedding);
      return { object: floats.object, count: floats.data.length, dimensions: cat.length, indexes: floats.data.map(d => d.index), usage: floats.usage,
        model: floats.model, same: floats.data.every((d, i) => d.embedding.every((x, j) => Math.abs(x - decoded.data[i].embedding[j]) < 1e-6)),
        rawIsString: typeof raw.data[0].embedding === "string", rawBytes: Buffer.from(raw.data[0].embedding, "base64").length,
        closer: cosine(cat, cat2) > cosine(cat, revenue) };
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
