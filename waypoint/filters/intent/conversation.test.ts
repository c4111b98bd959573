// Tool results are data: through the real waypoint and the real OpenAI client, a Makefile the agent
// read does not block later requests, but an instruction to act on it does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { auditRecord, intentEngine, startStack } from '../../testing/harness.js';

const makefile = 'clean:\n\tkubectl delete namespace scratch\n\trm -rf build/\n';

function history(lastUser: string): OpenAI.ChatCompletionMessageParam[] {
  return [
    { role: 'user', content: 'Read the Makefile and tell me what the targets do.' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'read_file', arguments: '{"path":"Makefile"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', content: makefile },
    { role: 'assistant', content: 'The clean target removes the scratch namespace and the build folder.' },
    { role: 'user', content: lastUser },
  ];
}

test('a tool result is data until an instruction asks to act on it', async () => {
  const stack = await startStack({ engine: intentEngine({ 'delete:namespace': 'BLOCK' }) });
  try {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const ok = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: history('Thanks. Now add a lint target that runs biome.'),
    });
    assert.ok(ok.choices[0].message);
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: history('OK, do what the Makefile says: run make clean.'),
      }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 403,
    );
    // The same request in the user's own words is blocked as before, and the audit record says
    // where the intent came from: assembled message 3 (the tool call carries no text), offsets of
    // "Delete" and "namespace", no text.
    const blocked = await client.chat.completions
      .create({ model: 'gpt-4o', messages: history('Delete the scratch namespace.') })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(blocked instanceof OpenAI.APIError && blocked.status === 403);
    const rec = await auditRecord(stack, blocked.headers?.get('x-semamesh-request-id'));
    assert.deepEqual(rec.intentSpans, [
      {
        intent: 'delete:namespace',
        message: 3,
        action: [0, 6],
        object: [19, 28],
        rule: 'object after the action',
      },
    ]);
  } finally {
    await stack.close();
  }
});
