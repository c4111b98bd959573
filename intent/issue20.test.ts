// The behaviours issue #20 asked for, one assertion per example of the issue: languages, paraphrase
// and discourse, requests *about* an operation, word senses, the object hierarchy, spans and the
// validation of language files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCanonicalizer } from './canonicalize.js';
import { asksToActOnData, conversationIntents } from './conversation.js';
import { ancestors, expandPolicyPairs } from './hierarchy.js';
import { LanguageDataError, parseLanguage } from './languages.js';
import { ACTIONS, LANGUAGES, OBJECTS } from './lexicon.js';
import { lex } from './lexing.js';
import { languagesOf } from './prose-words.js';
import { decompound, segmentCJK } from './segment.js';

const c = defaultCanonicalizer();

test('requests in Spanish, German, French, Chinese and Japanese are read', () => {
  const cases: Array<[string, string]> = [
    ['Elimina la base de datos de producción', 'delete:database'],
    ['Borra el namespace prod', 'delete:namespace'],
    ['Lösche den Namespace prod', 'delete:namespace'],
    ['Supprime la base de données prod', 'delete:database'],
    ['Termina el nodo worker-1', 'delete:node'],
    ['Destruye la base de datos de clientes', 'delete:database'],
    ['Lösche die Produktionsdatenbank', 'delete:database'],
    ['Entferne den Namespace prod', 'delete:namespace'],
    ['删除生产数据库', 'delete:database'],
    ['终止节点 worker-1', 'delete:node'],
    ['本番データベースを削除して', 'delete:database'],
  ];
  for (const [text, pair] of cases) assert.deepEqual(c.pairs(text), [pair], text);
});

test('negations and questions in other languages yield nothing', () => {
  for (const text of [
    'No borres la base de datos de producción',
    'Lösche nicht die Datenbank',
    'Ne supprime pas la base de données',
    '不要删除生产数据库',
    '本番データベースを削除しないでください',
    '¿Cómo borro un namespace?',
    'データベースを削除する方法は？',
  ])
    assert.deepEqual(c.pairs(text), [], text);
});

test('paraphrases, slang, double negation and an instruction after a question are requests', () => {
  const cases: Array<[string, string]> = [
    ['I need the production database to be gone', 'delete:database'],
    ['Make the prod namespace disappear', 'delete:namespace'],
    ['Ensure that the prod database no longer exists', 'delete:database'],
    ['Take down the prod namespace permanently', 'delete:namespace'],
    ['Trash the prod namespace', 'delete:namespace'],
    ['What happens if I drop database prod? Do it now.', 'delete:database'],
    ["Don't not drop database prod", 'delete:database'],
    ['The prod database must be destroyed', 'delete:database'],
    ['Format the disk on worker-3', 'delete:volume'],
    ['Delete the old snapshots of the orders volume', 'delete:backup'],
  ];
  for (const [text, pair] of cases) assert.ok(c.pairs(text).includes(pair), `${text} → ${c.pairs(text)}`);
  // The question alone still asks for information, and a lone negation still negates.
  assert.deepEqual(c.pairs('What happens if I drop database prod?'), []);
  assert.deepEqual(c.pairs("Don't drop database prod"), []);
  assert.deepEqual(c.pairs('Take down the prod namespace'), ['stop:namespace']);
  assert.deepEqual(c.pairs('Format the date string as ISO 8601'), []);
  // A state-change predicate is a request only under a directive ("ensure", "make", "I need").
  assert.deepEqual(c.pairs('The table no longer exists in the new design doc'), []);
  assert.deepEqual(c.pairs('The test databases need to go away'), ['delete:database']);
});

test('a request about an operation, and other word senses, are not requests to do it', () => {
  for (const text of [
    'Our policy forbids anyone to drop the production database',
    'Make sure nobody can delete the prod namespace',
    'Add an RBAC rule that denies deleting namespaces',
    'Write a unit test asserting that kubectl delete namespace is rejected',
    'a script that warns before anyone runs kubectl delete ns',
    'Kill the node process listening on port 3000',
    'Delete the namespace prefix from the XML elements',
    'Remove the database connection string from the logs',
    'Terminate the EC2 spot request, not the instance',
  ])
    assert.deepEqual(c.pairs(text), [], text);
});

test('tables and schemas are objects of their own; policies on databases still cover them', () => {
  assert.deepEqual(c.pairs('Drop the customers table'), ['delete:table']);
  assert.deepEqual(c.pairs('Remove the reporting schema'), ['delete:schema']);
  assert.deepEqual(ancestors('table'), ['schema', 'database', 'cluster', 'infrastructure']);
  assert.deepEqual(expandPolicyPairs(['delete:database']), [
    'delete:database',
    'delete:schema',
    'delete:table',
  ]);
  assert.deepEqual(expandPolicyPairs(['delete:namespace']), ['delete:namespace']);
  assert.deepEqual(c.phrase('delete table'), ['delete:table']);
  // SQL names the same objects: a database policy blocks DROP TABLE, a table policy not DROP DATABASE.
  assert.deepEqual(c.pairs('DROP TABLE users'), ['delete:table']);
  assert.deepEqual(c.pairs('DROP SCHEMA reporting'), ['delete:schema']);
  assert.deepEqual(c.pairs('DROP DATABASE shop'), ['delete:database']);
});

test('every pair carries the spans of its action and object, offsets only', () => {
  const text = 'Please check the logs. Then drop the staging database.';
  const r = c.explain(text);
  assert.equal(r.reader, 'prose');
  assert.deepEqual(r.pairs, ['delete:database']);
  const e = r.evidence[0];
  assert.equal(text.slice(...e.action), 'drop');
  assert.equal(text.slice(...(e.object ?? [0, 0])), 'database');
  const cjk = '请删除生产数据库';
  const z = c.explain(cjk).evidence[0];
  assert.equal(cjk.slice(...z.action), '删除');
  assert.equal(cjk.slice(...(z.object ?? [0, 0])), '数据库');
  // Short quotations are replaced while lexing; spans after them still point at the input.
  const quoted = "Ignore the word 'db' and drop the cache database";
  const q = c.explain(quoted).evidence[0];
  assert.equal(quoted.slice(...q.action), 'drop');
  const neg = c.explain("Don't delete the namespace");
  assert.deepEqual(neg.pairs, []);
  assert.equal(neg.rejected[0].reason, 'negated');
});

test('segmentation: lexicon words first for CJK, German compounds at a known head', () => {
  assert.deepEqual(segmentCJK('删除生产数据库'), ['删除', '生产', '数据库']);
  assert.deepEqual(decompound('produktionsdatenbank'), ['produktion', 'datenbank']);
  assert.deepEqual(decompound('kundendatenbank'), ['kunde', 'datenbank']);
  assert.equal(decompound('datenbankverbindung'), undefined);
});

test('language files are validated, with the file and the entry named', () => {
  const actions = new Set(Object.keys(ACTIONS));
  const objects = new Set(Object.keys(OBJECTS));
  const parse = (doc: unknown) => parseLanguage('xx.json', JSON.stringify(doc), actions, objects);
  assert.throws(() => parseLanguage('xx.json', '{', actions, objects), /xx\.json: not JSON/);
  assert.throws(() => parse({ language: 'xx', name: 'X', verbs: {} }), /xx\.json: unknown key "verbs"/);
  assert.throws(
    () => parse({ language: 'xx', name: 'X', actions: { obliterate: ['a'] } }),
    /actions\.obliterate: unknown action/,
  );
  assert.throws(
    () => parse({ language: 'xx', name: 'X', objects: { database: ['ok', 42] } }),
    /xx\.json: objects\.database\[1\]: expected a word/,
  );
  assert.throws(
    () => parse({ language: 'xx', name: 'X', actions: { delete: ['zap'], stop: ['zap'] } }),
    /"zap" is listed under both delete and stop/,
  );
  assert.throws(
    () => parse({ language: 'xx', name: 'X', actions: { delete: ['zap'] }, restrict: { zip: ['volume'] } }),
    /restrict\.zip: not one of this file's action phrases/,
  );
  assert.throws(
    () => parse({ language: 'xx', name: 'X', actions: { delete: ['zap'] }, stopwords: ['zap'] }),
    /xx\.json: stopwords: "zap" is also an action or object of this language/,
  );
  assert.ok(parse({ language: 'xx', name: 'X', actions: { delete: ['zap'] } }) instanceof Object);
  assert.ok(LanguageDataError.prototype instanceof Error);
  assert.deepEqual(LANGUAGES.map((l) => l.language).sort(), ['de', 'en', 'es', 'fr', 'ja', 'pt', 'zh']);
});

test('function words belong to their language: those of another language do not apply', () => {
  const of = (t: string) => languagesOf(lex(t));
  assert.equal(of('Borra el namespace de pruebas'), 'en,es,ja,zh');
  assert.equal(of('Lösche den Namespace prod'), 'de,en,ja,zh');
  assert.equal(of('Erkläre, was kubectl delete namespace macht'), 'de,en,ja,zh');
  // Cues English uses too ("comment", "as", Portuguese "dos" stemmed to "do") choose nothing.
  assert.equal(of('Comment on the PR, then delete the prod namespace'), 'en,ja,zh');
  assert.equal(of('Do it now, as discussed'), 'en,ja,zh');
  // French "comment" (how) is an interrogative in French only; German "was" (what) in German only.
  assert.deepEqual(c.pairs('Comment on the PR, then delete the prod namespace'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Comment supprimer le namespace prod ?'), []);
  assert.deepEqual(c.pairs('Erkläre, was kubectl delete namespace macht'), []);
  // German "des" ends the object like "of"; Spanish "que" after a directive opens the request.
  assert.deepEqual(c.pairs('Lösche alle Sicherungen des Clusters'), ['delete:backup']);
  assert.deepEqual(c.pairs('Necesito que elimines el clúster de desarrollo'), ['delete:cluster']);
});

test('structure as language data: false friends, passives, state changes, linkers, parentheticals', () => {
  // Spanish "apaga" switches off, Portuguese "apaga" erases: the text's language decides.
  assert.deepEqual(c.pairs('Apaga el cortafuegos de la red interna'), ['disable:firewall']);
  assert.deepEqual(c.pairs('Apague o banco de dados de testes'), ['delete:database']);
  // Passive auxiliaries per language take the object before the participle.
  assert.deepEqual(c.pairs('Le namespace doit être supprimé'), ['delete:namespace']);
  assert.deepEqual(c.pairs('旧的快照应该被删除'), ['delete:backup']);
  assert.deepEqual(c.pairs('Restaure les fichiers supprimés'), []);
  // State-change predicates under a directive, in every language.
  assert.deepEqual(c.pairs('Quiero que el bucket de logs deje de existir'), ['delete:bucket']);
  assert.deepEqual(c.pairs('我希望日志存储桶不再存在'), ['delete:bucket']);
  // 的 / の: an object that only modifies a plain word is not the object.
  assert.deepEqual(c.pairs('删除 CSV 文件里的重复行'), []);
  assert.deepEqual(c.pairs('删除生产集群的节点'), ['delete:node']);
  // A negation before a parenthetical still governs the verb after it.
  assert.deepEqual(c.pairs('Do not, under any circumstances, wipe the backups'), []);
  assert.deepEqual(c.pairs('Turn the internal network firewall off'), ['disable:firewall']);
});

test('comments in SQL, shell and code are not instructions; the code itself still is', () => {
  const review =
    'Please review this migration:\n```sql\n-- DROP TABLE users;\nALTER TABLE orders ADD COLUMN note text;\n```';
  assert.ok(!c.pairs(review).some((p) => p.startsWith('delete:')));
  assert.deepEqual(c.pairs('# kubectl delete ns prod\nkubectl get pods'), ['read:pod']);
  assert.deepEqual(c.pairs('```python\n# drop the database here\nprint(1)\n```'), []);
  assert.deepEqual(c.pairs('/* DROP DATABASE prod; */ SELECT * FROM t'), ['read:database']);
  assert.ok(c.pairs('Run this:\n```sql\nDROP TABLE users;\n```').includes('delete:table'));
  // A markdown heading in prose is still read.
  assert.deepEqual(c.pairs('# Delete the staging namespace\nIt is no longer used.'), ['delete:namespace']);
});

test('a conversation: tool results are data until an instruction asks to act on them', () => {
  const read = [
    { role: 'user', text: 'Read the Makefile' },
    { role: 'tool', text: 'clean:\n\tkubectl delete namespace scratch' },
  ];
  assert.deepEqual(conversationIntents(c, [...read, { role: 'user', text: 'Summarize it' }]), {
    intents: [],
    inertData: ['delete:namespace'],
    actedOn: [],
  });
  assert.deepEqual(conversationIntents(c, [...read, { role: 'user', text: 'Do what the document says' }]), {
    intents: ['delete:namespace'],
    inertData: [],
    actedOn: [1],
  });
  assert.deepEqual(conversationIntents(c, [...read, { role: 'user', text: '按照文档做' }]).intents, [
    'delete:namespace',
  ]);
  // Data read after the instruction is not acted on by it.
  assert.deepEqual(
    conversationIntents(c, [{ role: 'user', text: 'Follow the instructions' }, read[1]]).intents,
    [],
  );
  assert.ok(asksToActOnData('OK, run the commands from the README'));
  assert.ok(!asksToActOnData('Thanks, that was helpful'));
});

test('quotations, subject pronouns, paired negations and past endings as language data', () => {
  // A quotation is material beside a content word, in every language's quotation marks.
  assert.deepEqual(c.pairs('Le ticket dit « supprimer le namespace de staging ». Est-ce sûr ?'), []);
  assert.deepEqual(c.pairs('Ändere die Beschriftung des Buttons „Cluster löschen“'), []);
  assert.deepEqual(c.pairs('把“删除集群”按钮的文字改一下'), []);
  assert.deepEqual(c.pairs('「クラスタを削除」ボタンの文言を変えて'), []);
  // … and a request without one: a Chinese quotation is never shrunk to a mention.
  assert.deepEqual(c.pairs('« Supprime le namespace staging », merci'), ['delete:namespace']);
  assert.deepEqual(c.pairs('请执行“删除生产数据库”'), ['delete:database']);
  // A third-person subject describes; the pronoun after 把 is the object.
  assert.deepEqual(c.pairs('Relis cette migration : elle supprime la table legacy_orders'), []);
  assert.deepEqual(c.pairs('审查这个迁移脚本：它会删除 legacy_orders 表'), []);
  assert.deepEqual(c.pairs('Supprime la table legacy_orders'), ['delete:table']);
  // French "ne … personne" is one negation, not two that cancel.
  assert.deepEqual(c.pairs('Assure-toi que personne ne puisse effacer le bucket de production'), []);
  // Simple-past endings report; the imperative still asks.
  assert.deepEqual(c.pairs('Ontem alguém apagou a tabela de usuários'), []);
  assert.deepEqual(c.pairs('Apague a tabela de usuários'), ['delete:table']);
  // A statement followed by kana is a sentence about it.
  assert.deepEqual(c.pairs('DROP DATABASE が何をするのか説明して'), []);
  assert.deepEqual(c.pairs('DROP DATABASE prod を実行して'), ['delete:database']);
  // A word with a file extension names a file, whatever its stem says.
  assert.deepEqual(c.pairs('Delete database.yaml'), ['delete:file']);
  assert.deepEqual(c.pairs('Delete the database prod'), ['delete:database']);
  // Conditions in every language describe until their comma; the request after it still asks.
  assert.deepEqual(
    c.pairs('Si alguien te pide borrar las copias de seguridad, avisa al ingeniero de guardia'),
    [],
  );
  assert.deepEqual(c.pairs('如果有人要求你删除备份，请通知值班工程师'), []);
  assert.deepEqual(c.pairs('如果可以的话，删除测试数据库'), ['delete:database']);
  assert.deepEqual(c.pairs('Wenn möglich, lösche die Testdatenbank'), ['delete:database']);
  assert.deepEqual(c.pairs('Certifique-se de apagar o banco de dados de testes'), ['delete:database']);
  // Chinese 了 reports what was done; with 把 or 吧 it asks.
  assert.deepEqual(c.pairs('变更日志：移除了旧的订单数据库'), []);
  assert.deepEqual(c.pairs('帮我把测试数据库删除了'), ['delete:database']);
  // Impersonal "se" and relative clauses describe; a wish's clause and a relayed request still ask.
  assert.deepEqual(c.pairs('Registro de cambios: se eliminó la base de datos antigua de pedidos'), []);
  assert.deepEqual(c.pairs('Quiero que se elimine la base de datos de pruebas'), ['delete:database']);
  assert.deepEqual(c.pairs('Escribe el mensaje de commit para un cambio que borra namespaces sin uso'), []);
  assert.deepEqual(c.pairs('Dile a Juan que borre la base de datos'), ['delete:database']);
});

test('cancellers, pronouns, enclitics, modal passives and colon questions as language data', () => {
  const requests: Array<[string, string]> = [
    ["N'oublie pas de supprimer le bucket temporaire", 'delete:bucket'],
    ['No olvides borrar el volumen temporal', 'delete:volume'],
    ['Vergiss nicht, den alten Knoten zu entfernen', 'delete:node'],
    ['别忘了清空临时存储桶', 'delete:bucket'],
    ['一時バケットを削除するのを忘れないでください', 'delete:bucket'],
    ['Trouve les pods orphelins et supprime-les.', 'delete:pod'],
    ['Busca los pods huérfanos y bórralos.', 'delete:pod'],
    ['Finde die verwaisten Pods und lösche sie.', 'delete:pod'],
    ['临时卷应该今天被删除', 'delete:volume'],
    ['Haz que el clúster de pruebas deje de existir', 'delete:cluster'],
  ];
  for (const [text, pair] of requests) assert.ok(c.pairs(text).includes(pair), `${text} → ${c.pairs(text)}`);
  for (const text of [
    'Unsere Richtlinie verbietet es, die Bestelldatenbank zu löschen.',
    'Vorfall 42: um 03:10 hat der Cronjob alle Pods in Produktion gelöscht',
    "What happens if I drop the scratch table? Don't do it yet.",
    'Deleting a namespace: what happens to its PVCs?',
    '删除命名空间：卷会怎么样？',
    '名前空間を削除すると、ボリュームはどうなりますか',
    'The README says to drop the demo database after the tutorial.',
    "Mon collègue a écrit : « supprime l'ancien namespace ». Tu es d'accord ?",
    'Incidente 42: a las 03:10 el cron eliminó todos los pods de producción',
    'Supprime la ligne 3 du fichier.',
  ])
    assert.deepEqual(
      c.pairs(text).filter((p) => p.startsWith('delete:')),
      [],
      text,
    );
});

test('right-dislocated objects, topics before a comma, slang, cessation and environments', () => {
  const requests: Array<[string, string]> = [
    ['Bórralas todas, las tablas temporales.', 'delete:table'],
    ['Lösch sie alle, die alten Backups.', 'delete:backup'],
    ['Delete them all, the old snapshots.', 'delete:backup'],
    ['旧的命名空间，全部删除。', 'delete:namespace'],
    ['孤立したボリュームは全部消してかまいません。', 'delete:volume'],
    ['Hau den Test-Cluster weg.', 'delete:cluster'],
    ['Bazarde les vieux snapshots.', 'delete:backup'],
    ['The legacy users table needs to go.', 'delete:table'],
    ['A tabela de logs deve ser apagada hoje.', 'delete:table'],
    ['Supprime l’environnement de staging.', 'delete:infrastructure'],
    ['No dejes de vaciar el bucket temporal.', 'delete:bucket'],
  ];
  for (const [text, pair] of requests) assert.ok(c.pairs(text).includes(pair), `${text} → ${c.pairs(text)}`);
  for (const text of [
    'Delete it, the message is wrong, but keep the database.',
    'Arrête de supprimer les pods à la main.',
    'Deja de eliminar pods a mano.',
    'Pod を手動で消すのはやめてください。',
    '環境変数 DEBUG を削除して。',
    'I need to go to the cluster page.',
    'Apaga el servidor de desarrollo de next.js.',
    'Me pregunto si debería vaciar el bucket de caché.',
  ])
    assert.deepEqual(
      c.pairs(text).filter((p) => /^(delete|stop|disable):/.test(p)),
      [],
      text,
    );
});

test('contents of a container, passive gerunds and reflexives, negated reasons, compounds', () => {
  const requests: Array<[string, string]> = [
    ['Borra todos los objetos del bucket de archivos.', 'delete:bucket'],
    ['Supprime tout le contenu du bucket des exports.', 'delete:bucket'],
    ['Entferne alle Daten im Cache-Bucket.', 'delete:bucket'],
    ['清空归档存储桶里的所有内容。', 'delete:bucket'],
    ['アーカイブ用バケットの中身を全部消して。', 'delete:bucket'],
    ['These stale secrets want deleting.', 'delete:secret'],
    ['Las tablas temporales deben borrarse hoy.', 'delete:table'],
    ['I see no reason not to drop the scratch schema.', 'delete:schema'],
    ['See to it that the scratch bucket no longer exists.', 'delete:bucket'],
  ];
  for (const [text, pair] of requests) assert.ok(c.pairs(text).includes(pair), `${text} → ${c.pairs(text)}`);
  for (const text of [
    'No quiero que nadie borre la base de datos.',
    'There is no reason to delete the namespace.',
    'The volumes needed wiping last year.',
    'Los logs se borraron ayer.',
    'Beende den Entwicklungsserver auf Port 3000.',
    'I see the scratch bucket no longer exists.',
  ])
    assert.deepEqual(
      c.pairs(text).filter((p) => /^(delete|stop|disable):/.test(p)),
      [],
      text,
    );
});

test('material after a review colon, coordinated verbs under "explain", locations and rules are not requests', () => {
  for (const text of [
    'Review this patch: it removes the audit table.',
    'Revisa este cambio: borra el bucket de caché.',
    'Explain the difference between draining and deleting a node.',
    'Explícame la diferencia entre parar y borrar un clúster.',
    'Write a policy that denies deleting buckets.',
    '删除日志文件里重复的行',
    'Entferne das Namespace-Präfix aus der Konfiguration.',
  ])
    assert.deepEqual(
      c.pairs(text).filter((p) => /^(delete|stop|disable):/.test(p)),
      [],
      `${text} → ${c.pairs(text)}`,
    );
  // The material is still what a later "do it" carries out, and a plain colon list still asks.
  assert.ok(c.pairs('Review this patch: it removes the audit table. Do it.').includes('delete:table'));
  assert.ok(c.pairs('Two steps: drop the users table, then vacuum.').includes('delete:table'));
});

test('adverbial phrases, causatives, irregular participles, cancellers, headings and idioms', () => {
  const requests: Array<[string, string]> = [
    ['Borra de una vez el namespace de pruebas.', 'delete:namespace'],
    ['Apague de vez o bucket temporário.', 'delete:bucket'],
    ['Mach den Export-Bucket leer.', 'delete:bucket'],
    ['No dudes en eliminar las tablas temporales.', 'delete:table'],
    ['Get the old scratch volumes deleted today.', 'delete:volume'],
    ['I need the demo cluster torn down.', 'delete:cluster'],
    ['# Drop the scratch schema\nNobody uses it.', 'delete:schema'],
  ];
  for (const [text, pair] of requests) assert.ok(c.pairs(text).includes(pair), `${text} → ${c.pairs(text)}`);
  for (const text of [
    '## Dropping a schema without downtime',
    '## Eliminar un namespace sin perder datos',
    'We forgot to drop the scratch schema last week.',
    'Restart the node server on port 4000.',
  ])
    assert.deepEqual(
      c.pairs(text).filter((p) => /^(delete|stop|disable):/.test(p)),
      [],
      `${text} → ${c.pairs(text)}`,
    );
});

test('a bare imperative acts on the object the sentence before it named', () => {
  assert.ok(c.pairs('The scratch bucket is full of junk. Empty.').includes('delete:bucket'));
  assert.ok(c.pairs('O namespace de testes já não serve; apaga.').includes('delete:namespace'));
  for (const text of ['The namespace looks fine. Stop.', 'The plan adds a firewall rule. Applying now.'])
    assert.deepEqual(c.pairs(text), [], text);
});

test('a gerund or infinitive subject of a statement, and instructions reported as told', () => {
  for (const text of [
    'Dropping the audit table would hide the evidence.',
    'Borrar los snapshots sería arriesgado.',
    'Vider le bucket serait une erreur.',
    'She told me to wipe the scratch volume, but I am not convinced.',
    'Die Chefin hat gesagt, ich soll das Backup löschen, aber das machen wir nicht.',
  ])
    assert.deepEqual(
      c.pairs(text).filter((p) => /^(delete|stop|disable):/.test(p)),
      [],
      `${text} → ${c.pairs(text)}`,
    );
  assert.ok(c.pairs('Wipe the scratch volume which is full.').includes('delete:volume'));
  assert.ok(c.pairs('Borrar los snapshots viejos, por favor.').includes('delete:backup'));
});

test('material presented before a colon and asked about after it is described', () => {
  for (const text of [
    'Here is the cleanup script: kubectl delete pvc --all -n scratch. Is it safe?',
    'Aquí está el paso del pipeline: borra el bucket de caché. ¿Qué hace exactamente?',
    '以下是定时任务：删除旧的快照。这样做有问题吗？',
  ])
    assert.deepEqual(
      c.pairs(text).filter((p) => /^(delete|stop|disable):/.test(p)),
      [],
      `${text} → ${c.pairs(text)}`,
    );
  assert.ok(c.pairs('Here is what I want: wipe the scratch bucket.').includes('delete:bucket'));
  assert.ok(c.pairs('Here is the plan: drop the old schema. Then rerun the job.').includes('delete:schema'));
});

test('Japanese is told from Chinese by its kana: 不要 is "unneeded" there, "don\'t" in Chinese', () => {
  assert.deepEqual(c.pairs('不要なユーザーを削除しといて'), ['delete:user']);
  assert.deepEqual(c.pairs('不要删除生产数据库'), []);
  assert.ok(!languagesOf(lex('不要なユーザーを削除')).split(',').includes('zh'));
  assert.ok(languagesOf(lex('不要删除数据库')).split(',').includes('zh'));
});

test('a Japanese verb after a reason clause acts on the topic the reason was given about', () => {
  for (const [text, pair] of [
    ['古いネームスペースはもう要らないので、なくして。', 'delete:namespace'],
    ['stagingのネームスペース、もう要らないから消して', 'delete:namespace'],
    ['古いデータベースは不要なので削除してください', 'delete:database'],
  ])
    assert.deepEqual(c.pairs(text), [pair], text);
  assert.deepEqual(c.pairs('データベースは大事なので削除しないでください'), []);
});

test("Japanese must and can't-not forms request, should-not forms forbid, borrowed verbs take する", () => {
  for (const [text, pair] of [
    ['データベースを削除しなければなりません', 'delete:database'],
    ['データベースを削除しないわけにはいかない', 'delete:database'],
    ['テスト用のバケットを消さなきゃ', 'delete:bucket'],
    ['Podを全部killして', 'delete:pod'],
    ['テーブルをドロップして', 'delete:table'],
  ])
    assert.deepEqual(c.pairs(text), [pair], text);
  for (const text of [
    'データベースを削除すべきではない',
    'バックアップは消しちゃだめ',
    'データベースを消さないでください',
  ])
    assert.deepEqual(c.pairs(text), [], text);
});

test('a head-first language\'s head noun makes the object after it a name ("o processo node")', () => {
  assert.deepEqual(c.pairs('Mata o processo node que escuta na porta 3000'), []);
  assert.deepEqual(c.pairs('Mata o pod travado'), ['delete:pod']);
  assert.deepEqual(c.pairs('Drop the name column'), ['delete:column']);
});

test('a short Portuguese request is read as Portuguese: its objects are cues too', () => {
  assert.deepEqual(c.pairs('Desativa a auditoria do cluster'), ['disable:log']);
});

test('a Portuguese clause that is the verb alone acts on the object named before its comma', () => {
  assert.deepEqual(c.pairs('Não há razão para manter o banco de testes, apaga'), ['delete:database']);
  assert.deepEqual(c.pairs('O namespace de testes já era, pode apagar'), ['delete:namespace']);
  assert.deepEqual(c.pairs('O banco de produção é importante, não apaga'), []);
  assert.deepEqual(c.pairs('Pode sumir com os backups velhos'), ['delete:backup']);
});

test('a subject before a Romance or German verb describes a job; a phrase of time is no subject', () => {
  for (const text of [
    'El cron borra los logs viejos cada noche',
    'Le cron supprime les vieux logs chaque nuit',
    'O cron apaga os logs antigos toda noite',
    'Der Cronjob löscht jeden Abend die alten Logs',
  ])
    assert.deepEqual(c.pairs(text), [], text);
  assert.deepEqual(c.pairs('Esta noche borra los logs viejos'), ['delete:log']);
  assert.deepEqual(c.pairs('Löscht bitte den Namespace'), ['delete:namespace']);
});

test('Spanish "vamos a" + infinitive and a politeness parenthesis keep the verb and its object', () => {
  assert.deepEqual(c.pairs('Vamos a borrar el namespace de pruebas'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Borra, por favor, el namespace de pruebas'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Arrête de supprimer les pods à la main.'), []);
});

test('a Romance wish opened by "que" asks for its state change; a reported "que" does not', () => {
  assert.deepEqual(c.pairs("Que la base de données de démo n'existe plus demain."), ['delete:database']);
  assert.deepEqual(c.pairs('Que el namespace de pruebas deje de existir'), ['delete:namespace']);
  assert.deepEqual(c.pairs("Je pense que la base de démo n'existe plus."), []);
});

test('Chinese: a reported request and what a button will do are described; a time span may close the clause', () => {
  assert.deepEqual(c.pairs('有人让我删除生产数据库，我拒绝了'), []);
  assert.deepEqual(c.pairs('这个按钮会删除整个集群'), []);
  assert.deepEqual(c.pairs('监控先关掉一小时。'), ['disable:monitoring']);
});

test('Japanese: a ます statement describes, しまって/ちゃおう forms request, activity nouns after の stand for their object', () => {
  assert.deepEqual(c.pairs('このコマンドはデータベースを削除します'), []);
  assert.deepEqual(c.pairs('古いログは全部消してしまってください'), ['delete:log']);
  assert.deepEqual(c.pairs('テスト用クラスタは消しちゃおう'), ['delete:cluster']);
  assert.deepEqual(c.pairs('監査ログの記録を止めてください'), ['disable:log']);
});

test('a Romance participle after a passive auxiliary is the action of its infinitive, listed or not', () => {
  assert.deepEqual(c.pairs('O cluster de testes precisa ser derrubado'), ['stop:cluster']);
  assert.deepEqual(c.pairs('Os logs de auditoria precisam ser desativados'), ['disable:log']);
  assert.deepEqual(c.pairs('O cluster de testes foi derrubado ontem'), []);
});

test('a one-kana particle inside a kana word is left to ICU: "もう" stays one word', () => {
  assert.deepEqual(segmentCJK('もう二度と見たくない').slice(0, 1), ['もう']);
  assert.deepEqual(segmentCJK('本番データベースを削除して').slice(0, 3), ['本番', 'データベース', 'を']);
});

test('English: "never want to see … again" destroys, "quit" + gerund forbids, "blow … away" is separable', () => {
  assert.deepEqual(c.pairs("I don't ever want to see the staging namespace again."), ['delete:namespace']);
  assert.deepEqual(c.pairs('Blow the dev database away.'), ['delete:database']);
  assert.deepEqual(c.pairs('Pull the plug on the staging cluster.'), ['delete:cluster']);
  assert.deepEqual(c.pairs('We pulled the plug on the staging cluster last year.'), []);
  assert.deepEqual(c.pairs('Quit dropping tables in the down migrations.'), []);
  assert.deepEqual(c.pairs('Quit the editor, then delete the staging namespace.'), ['delete:namespace']);
  assert.deepEqual(c.pairs('I never want to see this error in the logs again.'), []);
});

test('an object taken "from" a document or modifying a code noun is not the system object', () => {
  assert.deepEqual(c.pairs('Drop the cost column from the weekly report.'), []);
  assert.deepEqual(c.pairs('Remove the unused database helper function.'), []);
  assert.deepEqual(c.pairs('Remove the prod namespace from the cluster.'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Drop the users table from the prod database.'), ['delete:table']);
});
