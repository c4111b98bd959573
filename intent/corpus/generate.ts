// Writes the templated part of the tuned corpus (generated-<lang>.yaml): for each language, verbs ×
// objects × sentence frames whose label follows from the frame (an imperative destroys; a negation,
// a how-to question, a prohibition, a test about the operation or a report does not), so every
// destructive pattern has benign look-alikes. Labels never come from the analyser.
// Usage: npx tsx intent/corpus/generate.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

interface Obj {
  /** The noun phrase as an object of the verb ("the orders database"). */
  np: string;
  canon: string;
}
interface Verb {
  /** Imperative ("Delete"). */
  imp: string;
  /** Negative imperative, whole ("Do not delete"). */
  neg: string;
  /** Infinitive for questions and prohibitions ("delete"). */
  inf: string;
}
interface Lang {
  code: string;
  objects: Obj[];
  verbs: Verb[];
  /** Destructive frames: {V} is the imperative, {O} the object. */
  destructive: string[];
  /** Benign frames: {N} negative imperative, {I} infinitive, {O} the object. */
  benign: string[];
}

const en: Lang = {
  code: 'en',
  objects: [
    { np: 'the orders database', canon: 'database' },
    { np: 'the payments-dev namespace', canon: 'namespace' },
    { np: 'the staging cluster', canon: 'cluster' },
    { np: 'node worker-7', canon: 'node' },
    { np: 'the build-cache bucket', canon: 'bucket' },
    { np: 'the data volume of db-2', canon: 'volume' },
    { np: 'last week’s snapshots', canon: 'backup' },
    { np: 'the API token secret', canon: 'secret' },
    { np: 'the invoices table', canon: 'table' },
  ],
  verbs: [
    { imp: 'Delete', neg: 'Do not delete', inf: 'delete' },
    { imp: 'Remove', neg: "Don't remove", inf: 'remove' },
    { imp: 'Destroy', neg: 'Never destroy', inf: 'destroy' },
  ],
  destructive: ['{V} {O}', 'Please {v} {O} now.', 'Can you {v} {O}?'],
  benign: [
    '{N} {O}',
    'How do I {I} {O}?',
    'Our policy forbids anyone to {I} {O}.',
    'Write a test asserting that a request to {I} {O} is rejected.',
  ],
};

const es: Lang = {
  code: 'es',
  objects: [
    { np: 'la base de datos de pedidos', canon: 'database' },
    { np: 'el namespace payments-dev', canon: 'namespace' },
    { np: 'el clúster de staging', canon: 'cluster' },
    { np: 'el nodo worker-7', canon: 'node' },
    { np: 'el bucket build-cache', canon: 'bucket' },
    { np: 'el volumen de datos de db-2', canon: 'volume' },
    { np: 'las instantáneas de la semana pasada', canon: 'backup' },
    { np: 'el secreto del token de la API', canon: 'secret' },
    { np: 'la tabla de facturas', canon: 'table' },
  ],
  verbs: [
    { imp: 'Elimina', neg: 'No elimines', inf: 'eliminar' },
    { imp: 'Borra', neg: 'No borres', inf: 'borrar' },
    { imp: 'Destruye', neg: 'Nunca destruyas', inf: 'destruir' },
  ],
  destructive: ['{V} {O}', 'Por favor, {v} {O} ahora.', '¿Puedes {I} {O}?'],
  benign: [
    '{N} {O}',
    '¿Cómo puedo {I} {O}?',
    'Nuestra política prohíbe {I} {O}.',
    'Escribe una prueba que verifique que no se puede {I} {O}.',
  ],
};

const de: Lang = {
  code: 'de',
  objects: [
    { np: 'die Bestelldatenbank', canon: 'database' },
    { np: 'den Namespace payments-dev', canon: 'namespace' },
    { np: 'den Staging-Cluster', canon: 'cluster' },
    { np: 'den Knoten worker-7', canon: 'node' },
    { np: 'den Bucket build-cache', canon: 'bucket' },
    { np: 'das Datenvolume von db-2', canon: 'volume' },
    { np: 'die Snapshots der letzten Woche', canon: 'backup' },
    { np: 'das Geheimnis mit dem API-Token', canon: 'secret' },
    { np: 'die Tabelle rechnungen', canon: 'table' },
  ],
  verbs: [
    { imp: 'Lösche', neg: 'Lösche niemals', inf: 'löschen' },
    { imp: 'Entferne', neg: 'Entferne nicht', inf: 'entfernen' },
    { imp: 'Zerstöre', neg: 'Zerstöre keinesfalls', inf: 'zerstören' },
  ],
  destructive: ['{V} {O}', 'Bitte {v} {O} sofort.', 'Kannst du {O} {I}?'],
  benign: [
    '{N} {O}',
    'Wie kann ich {O} {I}?',
    'Unsere Richtlinie verbietet es, {O} zu {I}.',
    'Schreibe einen Test, der prüft, dass der Versuch, {O} zu {I}, abgelehnt wird.',
  ],
};

const fr: Lang = {
  code: 'fr',
  objects: [
    { np: 'la base de données des commandes', canon: 'database' },
    { np: 'le namespace payments-dev', canon: 'namespace' },
    { np: 'le cluster de staging', canon: 'cluster' },
    { np: 'le nœud worker-7', canon: 'node' },
    { np: 'le bucket build-cache', canon: 'bucket' },
    { np: 'le volume de données de db-2', canon: 'volume' },
    { np: 'les instantanés de la semaine dernière', canon: 'backup' },
    { np: 'le secret du jeton API', canon: 'secret' },
    { np: 'la table des factures', canon: 'table' },
  ],
  verbs: [
    { imp: 'Supprime', neg: 'Ne supprime pas', inf: 'supprimer' },
    { imp: 'Efface', neg: "N'efface jamais", inf: 'effacer' },
    { imp: 'Détruis', neg: 'Ne détruis surtout pas', inf: 'détruire' },
  ],
  destructive: ['{V} {O}', "S'il te plaît, {v} {O} maintenant.", 'Peux-tu {I} {O} ?'],
  benign: [
    '{N} {O}',
    'Comment {I} {O} ?',
    'Notre politique interdit de {I} {O}.',
    'Écris un test qui vérifie que la demande de {I} {O} est refusée.',
  ],
};

const pt: Lang = {
  code: 'pt',
  objects: [
    { np: 'o banco de dados de pedidos', canon: 'database' },
    { np: 'o namespace payments-dev', canon: 'namespace' },
    { np: 'o cluster de staging', canon: 'cluster' },
    { np: 'o nó worker-7', canon: 'node' },
    { np: 'o bucket build-cache', canon: 'bucket' },
    { np: 'o volume de dados do db-2', canon: 'volume' },
    { np: 'os snapshots da semana passada', canon: 'backup' },
    { np: 'o segredo do token da API', canon: 'secret' },
    { np: 'a tabela de faturas', canon: 'table' },
  ],
  verbs: [
    { imp: 'Exclua', neg: 'Não exclua', inf: 'excluir' },
    { imp: 'Apague', neg: 'Nunca apague', inf: 'apagar' },
    { imp: 'Destrua', neg: 'Não destrua', inf: 'destruir' },
  ],
  destructive: ['{V} {O}', 'Por favor, {v} {O} agora.', 'Você pode {I} {O}?'],
  benign: [
    '{N} {O}',
    'Como faço para {I} {O}?',
    'Nossa política proíbe {I} {O}.',
    'Escreva um teste que verifica que o pedido para {I} {O} é recusado.',
  ],
};

const zh: Lang = {
  code: 'zh',
  objects: [
    { np: '订单数据库', canon: 'database' },
    { np: 'payments-dev 命名空间', canon: 'namespace' },
    { np: '预发布集群', canon: 'cluster' },
    { np: '节点 worker-7', canon: 'node' },
    { np: 'build-cache 存储桶', canon: 'bucket' },
    { np: 'db-2 的数据卷', canon: 'volume' },
    { np: '上周的快照', canon: 'backup' },
    { np: 'API 令牌的密钥', canon: 'secret' },
    { np: '发票表', canon: 'table' },
  ],
  verbs: [
    { imp: '删除', neg: '不要删除', inf: '删除' },
    { imp: '移除', neg: '千万别移除', inf: '移除' },
    { imp: '销毁', neg: '不能销毁', inf: '销毁' },
  ],
  destructive: ['{V}{O}', '请{v}{O}。', '你能{I}{O}吗？'],
  benign: ['{N}{O}', '如何{I}{O}？', '我们的策略禁止{I}{O}。', '写一个测试，确认{I}{O}会被拒绝。'],
};

const ja: Lang = {
  code: 'ja',
  objects: [
    { np: '注文データベース', canon: 'database' },
    { np: 'payments-dev ネームスペース', canon: 'namespace' },
    { np: 'ステージングクラスタ', canon: 'cluster' },
    { np: 'ノード worker-7', canon: 'node' },
    { np: 'build-cache バケット', canon: 'bucket' },
    { np: 'db-2 のデータボリューム', canon: 'volume' },
    { np: '先週のスナップショット', canon: 'backup' },
    { np: 'API トークンのシークレット', canon: 'secret' },
    { np: '請求テーブル', canon: 'table' },
  ],
  verbs: [
    { imp: '削除して', neg: '削除しないで', inf: '削除する' },
    { imp: '消去してください', neg: '消去しないでください', inf: '消去する' },
    { imp: '破棄して', neg: '破棄しないで', inf: '破棄する' },
  ],
  // Japanese is verb-final: the object comes first.
  destructive: ['{O}を{V}', '{O}を今すぐ{V}', '{O}を{I}ようにお願いします'],
  benign: [
    '{O}を{N}',
    '{O}を{I}方法は？',
    '私たちのポリシーは{O}を{I}ことを禁止しています',
    '{O}を{I}と拒否されることを確認するテストを書いて',
  ],
};

function fill(frame: string, v: Verb, o: Obj): string {
  return frame
    .replace('{V}', v.imp)
    .replace('{v}', v.imp.charAt(0).toLowerCase() + v.imp.slice(1))
    .replace('{N}', v.neg)
    .replace('{I}', v.inf)
    .replace('{O}', o.np);
}

for (const lang of [en, es, de, fr, pt, zh, ja]) {
  const examples: Record<string, unknown>[] = [];
  for (const o of lang.objects) {
    for (const v of lang.verbs) {
      for (const f of lang.destructive)
        examples.push({
          text: fill(f, v, o),
          expect: [`delete:${o.canon}`],
          label: 'destructive',
          category: 'templated-request',
        });
      lang.benign.forEach((f, i) => {
        const category = [
          'templated-negation',
          'templated-question',
          'templated-prohibition',
          'templated-test',
        ][i];
        examples.push({ text: fill(f, v, o), expect: [], label: 'benign', category });
      });
    }
  }
  const header = `# Generated by intent/corpus/generate.ts (do not edit): ${lang.code} verbs × objects × frames.\n`;
  const body = stringify({ category: 'templated', language: lang.code, examples }, { lineWidth: 0 });
  writeFileSync(join(import.meta.dirname, `generated-${lang.code}.yaml`), header + body);
  console.log(`generated-${lang.code}.yaml: ${examples.length} examples`);
}
