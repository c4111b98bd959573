// The 200-message (~400 KB) conversation behind issue 14's resent-history figure, one definition for
// bench/waypoint-wrk.sh, bench/analysis-cpu.ts and bench/startup-memory.ts: a system message and 199
// distinct ~2 KB messages, to which each request adds a new last question.
// Run as a script, it writes the request body around that last message as DIR/conv-prefix.json and
// DIR/conv-suffix.json (wrk's Lua puts a fresh question between them):
//   npx tsx bench/conversation.ts DIR
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SENTENCES = [
  'The quarterly report shows steady growth in the operations budget.',
  'Please summarise the main points for the team in plain words.',
  'Revenue in the northern region rose while costs stayed flat.',
  'The support queue was shorter than last month, and response times improved.',
  'We should plan the next review for early in the new quarter.',
  'Customer feedback mentions faster delivery and clearer invoices.',
  'The hiring plan keeps two open roles for the data team.',
  'Training sessions were well attended and rated useful.',
];

export interface Message {
  role: string;
  content: string;
}

/** The system message and the 199 history messages, alternating user and assistant. */
export function conversationHistory(): Message[] {
  const msgs: Message[] = [
    { role: 'system', content: 'You are a helpful assistant for an operations team.' },
  ];
  for (let i = 0; i < 199; i++) {
    let t = `Message ${i}: `;
    for (let k = 0; t.length < 2000; k++) t += `${SENTENCES[(i * 7 + k) % SENTENCES.length]} `;
    msgs.push({ role: i % 2 ? 'assistant' : 'user', content: t.trim() });
  }
  return msgs;
}

/** The request body's JSON before and after the new last message's content string. */
export function conversationBodyParts(): [prefix: string, suffix: string] {
  const [prefix, suffix] = JSON.stringify({
    model: 'gpt-4o',
    max_tokens: 64,
    messages: [...conversationHistory(), { role: 'user', content: '@@' }],
  }).split('"@@"');
  return [prefix!, suffix!];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: npx tsx bench/conversation.ts DIR');
  const [prefix, suffix] = conversationBodyParts();
  writeFileSync(join(dir, 'conv-prefix.json'), prefix);
  writeFileSync(join(dir, 'conv-suffix.json'), suffix);
}
