// Finding the objects of an action in prose: after it, before it (passives, verb-final languages),
// implied by the verb, or a path; head nouns and word senses decide which noun is meant.
import { ancestors } from './hierarchy.js';
import type { Item } from './lexing.js';
import type { Clitic } from './prose-live.js';
import {
  ADVERBIAL,
  BACKWARD_MARKER,
  BE_PRESENT,
  CANCEL,
  CJK_WORD,
  CONDITIONAL,
  CONTAINER_PREPOSITION,
  COORDINATOR,
  DETERMINER,
  DIRECTION,
  DOCUMENT_NOUN,
  GERUND_PASSIVE,
  HEAD_FIRST,
  HEAD_NOUN,
  headFirstReading,
  IMPLIED,
  INFINITIVE_MARKER,
  INTERROGATIVE,
  isPast,
  LOOK,
  MODAL,
  NEGATE,
  OBJECT_PRONOUN,
  PARTICLE,
  PASSIVE_AUX,
  PLACEHOLDER,
  PREPOSITION,
  PRONOUN,
  PRONOUN_REACH,
  QUANTIFIER,
  REQUEST_CLOSER,
  SCREEN_NOUN,
  STOP,
  SUBORDINATOR,
  TIME_NOUN,
  TRAILING,
  VERB_FINAL,
  VERB_FINAL_CLAUSE,
  WEAK,
  WINDOW,
  WISH,
} from './prose-words.js';

/**
 * The objects of the live action at i (item indices, or a canonical name for an implied or path
 * object), by the first rule that finds any, and the rule's name.
 */
export function objectsFor(
  items: Item[],
  from: number,
  to: number,
  i: number,
  live: boolean[],
  identifiers: boolean,
  clitic?: Clitic,
): { objects: Array<number | string>; rule: string } {
  const cliticPronoun = clitic === 'object';
  const it = items[i];
  const prev = i > from ? items[i - 1] : undefined;
  const nominal = prev !== undefined && DETERMINER.has(prev.s);
  const start = nominal ? i + 2 : i + 1; // skip "of" after "the deletion"
  const after = forward(items, from, to, start, live, !nominal && start === i + 1, it.ident || identifiers);
  if (after.length > 0) return { objects: after, rule: 'object after the action' };
  // "Make sure the temp bucket is deleted": a live participle after "is" (prose-live.ts) is passive too.
  if (prev !== undefined && (PASSIVE_AUX.has(prev.s) || (BE_PRESENT.has(prev.s) && isPast(it))))
    return { objects: backward(items, from, i - 1, true), rule: 'passive' };
  // "The old snapshots need purging": a gerund after a verb of need is passive (not "needed": a report).
  if (prev !== undefined && GERUND_PASSIVE.has(prev.s) && !isPast(prev) && it.w.endsWith('ing'))
    return { objects: backward(items, from, i - 1, true), rule: 'passive' };
  // "Los snapshots viejos tienen que purgarse": a reflexive infinitive under a modal is passive.
  if (clitic === 'reflexive' && underModal(items, from, i))
    return { objects: backward(items, from, i, true), rule: 'passive' };
  if (prev?.kind === 'object' && (isPast(it) || wished(items, from, i)))
    return { objects: backward(items, from, i, false), rule: 'object before a participle' };
  let j = start;
  const limit = Math.min(to, start + LOOK);
  // Another language's object pronoun counts only closing its clause: "supprime la ligne" names a line.
  const closes = (k: number) => {
    while (k < to && STOP.has(items[k].s) && items[k].kind === 'word') k++;
    return k >= to || items[k].kind === 'comma' || items[k].kind === 'end';
  };
  const pronoun = (k: number) => PRONOUN.has(items[k].w) || (OBJECT_PRONOUN.has(items[k].w) && closes(k + 1));
  while (j < limit && (STOP.has(items[j].s) || PARTICLE.has(items[j].s)) && !pronoun(j)) j++;
  // "delete them", "supprime-les", "lösche sie", "bórralos": the last object named.
  if (cliticPronoun || (j < to && pronoun(j))) {
    for (let k = i - 1; k >= Math.max(0, i - PRONOUN_REACH); k--)
      // "den Bucket logs-archive …, lösch ihn": a word of a name after its type is not the antecedent,
      // nor, in a head-first language, the complement of a head ("le bucket de logs, … le vider").
      if (
        items[k].kind === 'object' &&
        !(items[k].name && items[k - 1]?.kind === 'object') &&
        !complement(items, k)
      )
        return { objects: [k], rule: 'pronoun' };
    // "Bórralas todas, las tablas temporales", "Lösch sie alle: die alten Backups": with nothing
    // named before, the pronoun announces the object after a comma or colon (right dislocation).
    const dislocated = dislocatedObject(items, i, to);
    if (dislocated !== undefined) return { objects: [dislocated], rule: 'pronoun' };
  }
  // "监控先关掉", "旧的命名空间，全部删除": a Chinese or Japanese verb closing its clause takes a
  // topic before it, as verb-final languages do.
  // "Podをkillして": a borrowed verb made Japanese by する is verb-final too.
  const borrowed = i + 1 < to && CJK_WORD.test(items[i + 1].key) && TRAILING.has(items[i + 1].key);
  if (VERB_FINAL.has(it.key) || CJK_WORD.test(it.key) || borrowed || inVerbFinalClause(items, from, i)) {
    // "den Namespace löschen", "データベースを削除してください", "the db to be gone", "wenn ich das
    // Volume lösche": the object comes first; auxiliaries and particles may follow the verb, and
    // so may a canceller ("…するのを忘れないで") or a condition ending the clause ("削除したら").
    let k = i + 1;
    while (
      k < to &&
      (TRAILING.has(items[k].key) ||
        REQUEST_CLOSER.has(items[k].key) ||
        CANCEL.has(items[k].key) ||
        TIME_NOUN.has(items[k].s) ||
        STOP.has(items[k].s)) &&
      items[k].kind !== 'object'
    )
      k++;
    // "… no longer exists after the test": a prepositional phrase may close the clause.
    // Not a destination: "the logs can go to S3" moves them.
    if (k < to && PREPOSITION.has(items[k].s) && !DIRECTION.has(items[k].s))
      while (k < to && items[k].kind !== 'comma') k++;
    if (
      k >= to ||
      items[k].kind === 'comma' ||
      (CONDITIONAL.has(items[k].key) && CJK_WORD.test(items[k].key))
    ) {
      const before = backward(items, from, i, false, true);
      if (before.length > 0 || !CJK_WORD.test(it.key)) return { objects: before, rule: 'verb-final' };
      const topic = topicBefore(items, from, i);
      if (topic.length > 0) return { objects: topic, rule: 'topic before a comma' };
      const reason = reasonTopic(items, from, i);
      if (reason !== undefined) return { objects: [reason], rule: 'topic before a reason' };
    }
  }
  // "把生产数据库删了": after 把 the object precedes the verb.
  for (let k = i - 1; k >= Math.max(from, i - LOOK); k--)
    if (BACKWARD_MARKER.has(items[k].key)) {
      // "旧的命名空间，把它删了", "把它删了，那个旧的命名空间": a pronoun after 把 stands for the
      // object named before it, or else for the one its clause announces after a comma.
      if (OBJECT_PRONOUN.has(items[k + 1]?.w ?? '')) {
        for (let m = k - 1; m >= Math.max(0, k - PRONOUN_REACH); m--)
          if (items[m].kind === 'object') return { objects: [m], rule: 'pronoun' };
        const dislocated = dislocatedObject(items, i, to);
        if (dislocated !== undefined) return { objects: [dislocated], rule: 'pronoun' };
      }
      return { objects: backward(items, from, i, false), rule: 'object marked before the verb' };
    }
  const implied = IMPLIED.get(it.key);
  if (implied) return { objects: [implied], rule: 'implied by the action' };
  // "O cluster antigo já não serve; apaga.": a sentence that is a bare imperative acts on the
  // object the sentence before it named (not "Stop.", an interjection, nor "Applying now.").
  if (it.canon !== 'stop' && from > 0 && !it.w.endsWith('ing') && bareVerb(items, from, to, i))
    for (let k = from - 2; k >= Math.max(0, from - PRONOUN_REACH) && items[k].kind !== 'end'; k--)
      if (items[k].kind === 'object') return { objects: [k], rule: 'ellipsis' };
  // "Não há razão para manter o banco de testes, apaga": a clause that is the verb alone, after a
  // comma, acts on the object its sentence named before (a null object, as Portuguese speaks).
  if (it.key !== 'stop' && !it.w.endsWith('ing')) {
    const object = nullObject(items, from, to, i);
    if (object !== undefined) return { objects: [object], rule: 'ellipsis' };
  }
  return { objects: [], rule: 'implied by the action' };
}

/**
 * The object before the comma opening the action's clause, when that clause is the verb with stop
 * words and at most one other plain word ("apaga logo", "pode apagar sem medo" is not).
 */
function nullObject(items: Item[], from: number, to: number, i: number): number | undefined {
  let c = i - 1;
  let plain = 0;
  const bare = (k: number) => {
    const x = items[k];
    if (x.kind !== 'word' || x.path !== undefined) return false;
    return STOP.has(x.s) || MODAL.has(x.s) || ++plain <= 1;
  };
  while (c > from && items[c].kind !== 'comma') if (!bare(c--)) return undefined;
  if (c <= from || items[c].kind !== 'comma') return undefined;
  for (let k = i + 1; k < to && items[k].kind !== 'comma'; k++) if (!bare(k)) return undefined;
  for (let k = c - 1; k >= Math.max(from, c - 2 * LOOK); k--) {
    if (items[k].kind === 'object') return k;
    if (items[k].kind === 'action') return undefined;
  }
  return undefined;
}

/**
 * The object a pronoun announces after the verb's clause: the first object of the clause after the
 * next comma or colon (one sentence mark crossed at most), when only stop words, quantifiers and
 * that mark come between.
 */
function dislocatedObject(items: Item[], i: number, to: number): number | undefined {
  let k = i + 1;
  const filler = (it: Item) =>
    it.kind === 'word' &&
    (STOP.has(it.s) || QUANTIFIER.has(it.s) || PRONOUN.has(it.w) || OBJECT_PRONOUN.has(it.w));
  while (k < Math.min(to, i + 4) && filler(items[k])) k++;
  const mark = items[k];
  if (mark === undefined || !(mark.kind === 'comma' || mark.w === ':')) return undefined;
  let content = 0;
  for (let j = k + 1; j < Math.min(items.length, k + 1 + LOOK); j++) {
    const it = items[j];
    if (it.kind === 'object') return j;
    if (it.kind !== 'word' || PREPOSITION.has(it.s) || (!filler(it) && ++content > WINDOW - 1))
      return undefined;
  }
  return undefined;
}

/** "旧的命名空间，全部删除": the object of a topic closing the clause before the verb's, when only stop words and quantifiers come between. */
function topicBefore(items: Item[], from: number, i: number): number[] {
  let k = i - 1;
  while (k > from && items[k].kind === 'word' && (STOP.has(items[k].s) || QUANTIFIER.has(items[k].s))) k--;
  if (k <= from || items[k].kind !== 'comma') return [];
  return backward(items, from, k, false, true);
}

/** Japanese reason connectives closing a clause ("…ので", "…から", "…ため"), as item keys. */
const REASON_CONNECTIVE = new Set(['から', 'ため', 'んで', 'だから', 'ので']);

/**
 * "古いネームスペースはもう要らないので、なくして": a verb after a reason clause ("…ので", "…から")
 * acts on the nearest object before that clause's end — the topic the reason was given about.
 */
function reasonTopic(items: Item[], from: number, i: number): number | undefined {
  let k = i - 1;
  while (k > from && items[k].kind === 'comma') k--;
  const key = items[k]?.key;
  const reason = REASON_CONNECTIVE.has(key) || (key === 'で' && items[k - 1]?.key === 'の');
  if (k <= from || !reason) return undefined;
  for (let j = k - 1; j >= Math.max(from, k - 2 * LOOK); j--) if (items[j].kind === 'object') return j;
  return undefined;
}

/** Whether a modal ("tienen que", "debe", "muss") comes before the action at i in its clause. */
function underModal(items: Item[], from: number, i: number): boolean {
  for (let k = i - 1; k >= Math.max(from, i - LOOK); k--) {
    if (items[k].kind === 'comma' || items[k].kind === 'action') return false;
    if (MODAL.has(items[k].s) || (k + 1 < i && MODAL.has(`${items[k].s} ${items[k + 1].s}`))) return true;
  }
  return false;
}

/** "I want the scratch bucket emptied": a listed participle after its object and a wish verb. */
function wished(items: Item[], from: number, i: number): boolean {
  // A participle, regular or not ("emptied", "torn down").
  if (!/(ed|n)$/.test(items[i].w)) return false;
  for (let j = i - 2; j >= Math.max(from, i - 6); j--) if (WISH.has(items[j].s)) return true;
  return false;
}

/** Whether the action at i closes a clause opened by a verb-final conjunction ("wenn", "dass"). */
function inVerbFinalClause(items: Item[], from: number, i: number): boolean {
  for (let k = i - 1; k >= Math.max(from, i - LOOK); k--) {
    if (items[k].kind === 'comma' || items[k].kind === 'action') return false;
    if (VERB_FINAL_CLAUSE.has(items[k].s)) return true;
  }
  return false;
}

/**
 * The noun phrase after an action: up to WINDOW content words before the first object, then the
 * run of adjacent objects (its head, or its first word in terse "drop table users" style), then
 * further runs joined by "and", "or" or commas. A preposition or another live action ends it.
 */
function forward(
  items: Item[],
  from: number,
  to: number,
  start: number,
  live: boolean[],
  terseOk: boolean,
  identOk: boolean,
): Array<number | string> {
  const found: Array<number | string> = [];
  const isObject = (it: Item | undefined) => it?.kind === 'object' && (identOk || !it.ident);
  let content = 0;
  let j = start;
  let terse = terseOk;
  let placeholder = false;
  const limit = Math.min(to, start + 4 * LOOK);
  while (j < limit) {
    const it = items[j];
    // "Vacía por completo el bucket": an adverbial phrase is no preposition.
    if (ADVERBIAL.has(it.key)) {
      j++;
      continue;
    }
    if (it.path !== undefined && content === 0) {
      // "delete /var/lib/data", "wipe /dev/sdb": the path is the object.
      if (it.path !== '' && j === start) found.push(it.path);
      break;
    }
    // "Mata o processo node": in a head-first language the object after a head noun names it.
    if (isObject(it) && j > start && HEAD_FIRST.has(items[j - 1].w)) {
      content++;
      j++;
      continue;
    }
    if (isObject(it)) {
      let end = j;
      // "Log-Bucket": a hyphenated compound of object words continues the run (its head is last).
      while (end + 1 < limit && isObject(items[end + 1]) && (!items[end + 1].name || hyphenated(items, end)))
        end++;
      // "the node process", "the namespace prefix", "the EC2 spot request": the object word only
      // modifies the real head, which is not an object.
      if (modifiesHead(items, end, limit)) {
        terse = false;
        content++;
        j = end + 1;
        continue;
      }
      // Terse style names the object after its type in Latin script; a CJK run is a compound noun.
      // "la table users", "el namespace monitoring": a head-first language names the object after
      // its type.
      const apart = end > j && headFirstReading();
      found.push(head(items, j, end, (terse || apart) && !CJK_WORD.test(items[end].key)));
      // Continue into a coordinated object ("the pods, deployments and services"), or to the
      // real head of a compound ("the redis cache pods"), never to a name ("bucket company-logs").
      let k = end + 1;
      let joined = false;
      let words = 0;
      let crossed = !(j === end && PLACEHOLDER.has(it.key)); // "everything in the namespace"
      while (k < limit && !isObject(items[k])) {
        const x = items[k];
        if (x.kind === 'comma' || COORDINATOR.has(x.s)) joined = true;
        else if (!crossed && CONTAINER_PREPOSITION.has(x.s)) crossed = true;
        else if (x.kind === 'end' || x.kind === 'action' || PREPOSITION.has(x.s) || SUBORDINATOR.has(x.s))
          break;
        else if (x.s === 'that' || PRONOUN.has(x.w) || NEGATE.has(x.s)) break;
        else if (!STOP.has(x.s) && (joined || ++words > WINDOW)) break;
        k++;
      }
      if (k >= limit || !isObject(items[k])) break;
      if (!joined) {
        if (items[k].name) break;
        let end2 = k;
        while (end2 + 1 < limit && isObject(items[end2 + 1]) && !items[end2 + 1].name) end2++;
        // "alle Pods der Testumgebung": after an article, a container of the object says where it is.
        const later = head(items, k, end2, false);
        const current = found[found.length - 1];
        let article = false;
        for (let m = end + 1; m < k && !article; m++) article = DETERMINER.has(items[m].s);
        if (
          !(
            article &&
            typeof current === 'number' &&
            ancestors(items[current].canon).includes(items[later].canon)
          )
        )
          found[found.length - 1] = later;
        break;
      }
      j = k;
      terse = false;
      continue;
    }
    // "Borra, por favor, el namespace": a parenthesis of two plain words between commas is skipped.
    if (it.kind === 'comma' && content === 0 && found.length === 0) {
      let k = j + 1;
      while (k < limit && k <= j + 2 && items[k].kind === 'word' && !NEGATE.has(items[k].s)) k++;
      if (k > j + 1 && items[k]?.kind === 'comma') {
        j = k + 1;
        continue;
      }
    }
    if (it.kind === 'comma' || it.kind === 'end') break;
    if (it.kind === 'action' && live[j - from]) break;
    // "add a rule that forbids deleting namespaces": a verb after other words opens another clause
    // (a participle is an adjective: "the partially created tables").
    if (it.kind === 'action' && content > 0 && !isPast(it)) break;
    if (PRONOUN.has(it.w) || NEGATE.has(it.s) || SUBORDINATOR.has(it.s)) break;
    // "Add a git hook that rejects commits": "that" after a noun opens a relative clause.
    if (it.s === 'that' && content > 0 && !placeholder) break;
    // "Add to the runbook how to restore a namespace": an embedded question has its own object.
    if (INTERROGATIVE.has(it.s)) break;
    terse = false;
    if (COORDINATOR.has(it.s)) {
      content = 0;
    } else if (placeholder && CONTAINER_PREPOSITION.has(it.s)) {
      placeholder = false; // "whatever is left in the scratch volume"
      content = 0;
    } else if (PREPOSITION.has(it.s)) {
      if (!(it.s === 'of' && j > start && QUANTIFIER.has(items[j - 1].s))) break;
    } else if (PLACEHOLDER.has(it.s)) {
      placeholder = true;
      content++;
    } else if (!STOP.has(it.s) && !PARTICLE.has(it.s) && ++content > WINDOW) break;
    j++;
  }
  return found;
}

/** Whether the sentence items[from, to) is the verb at i alone, with stop words at most. */
function bareVerb(items: Item[], from: number, to: number, i: number): boolean {
  for (let k = from; k < to; k++)
    if (k !== i && items[k].kind !== 'comma' && !(items[k].kind === 'word' && STOP.has(items[k].s)))
      return false;
  return true;
}

/** Whether items k and k+1 are parts of one hyphenated word ("Log-Bucket"). */
/** "le bucket de logs": in a head-first language, an object right after a head and a preposition. */
function complement(items: Item[], k: number): boolean {
  return k >= 2 && items[k - 2].kind === 'object' && PREPOSITION.has(items[k - 1].s) && headFirstReading();
}

function hyphenated(items: Item[], k: number): boolean {
  return items[k].name === true && items[k + 1].name === true && items[k + 1].pos === items[k].pos + 1;
}

/**
 * Whether the object run ending at `end` is followed by a head noun (at most one word between), or
 * taken "from" one (a report, a slide, an import statement).
 */
function modifiesHead(items: Item[], end: number, limit: number): boolean {
  const next = items[end + 1];
  if (end + 1 >= limit || next === undefined || next.kind !== 'word') return false;
  if (HEAD_NOUN.has(surface(items, end + 1))) return true;
  // "Drop the cost column from the weekly report", "Clear the table in the UI": taken out of a
  // document or a screen, not out of a system.
  if (next.w === 'from' || next.w === 'in') {
    const nouns = next.w === 'from' ? DOCUMENT_NOUN : SCREEN_NOUN;
    // ("the list" is read as an action word: it is still the document.)
    for (
      let k = end + 2;
      k < Math.min(limit, end + 5) && (items[k].kind === 'word' || items[k].kind === 'action');
      k++
    )
      if ((next.w === 'from' && HEAD_NOUN.has(items[k].w)) || nouns.has(items[k].w)) return true;
  }
  const after = items[end + 2];
  return (
    end + 2 < limit &&
    !STOP.has(next.s) &&
    !PREPOSITION.has(next.s) &&
    after?.kind === 'word' &&
    HEAD_NOUN.has(surface(items, end + 2))
  );
}

/** The surface words of item k (a phrase item spans several tokens). */
function surface(items: Item[], k: number): string {
  return items[k].w;
}

/** The head of the object run items[a..b] (its index). */
function head(items: Item[], a: number, b: number, terse: boolean): number {
  if (terse) return a;
  for (let k = b; k >= a; k--) if (!WEAK.has(items[k].key)) return k;
  return b;
}

/** The noun phrase before position `at` (passive "the db should be dropped", verb-final German). */
function backward(items: Item[], from: number, at: number, passive: boolean, skipModals = passive): number[] {
  const floor = Math.max(from, at - LOOK);
  let j = at - 1;
  while (skipModals && j >= floor && (MODAL.has(items[j].s) || STOP.has(items[j].s))) j--;
  // "den alten Knoten zu entfernen": the infinitive marker is no preposition here.
  if (j >= floor && INFINITIVE_MARKER.has(items[j].s)) j--;
  // "el clúster de pruebas deje de existir": the head may come before a prepositional phrase.
  let run = runBefore(items, floor, j, false) ?? runBefore(items, floor, j, true);
  if (run === undefined) {
    // "All snapshots older than 30 days should be purged": the subject opens the clause.
    if (!passive) return [];
    for (let k = from; k < at && items[k].kind !== 'action' && items[k].kind !== 'comma'; k++)
      if (items[k].kind === 'object') {
        let b = k;
        while (b + 1 < at && items[b + 1].kind === 'object') b++;
        return [head(items, k, b, false)];
      }
    return [];
  }
  // "the unused buckets in the sandbox account": the head comes before the preposition.
  const earlier = runBefore(items, floor, run[0] - 1, true);
  if (earlier !== undefined) run = earlier;
  // "環境変数を削除して", "the namespace prefix is to be removed": the object only modifies a head noun.
  const next = items[run[1] + 1];
  if (next !== undefined && next.kind === 'word' && HEAD_NOUN.has(next.w)) return [];
  return [head(items, run[0], run[1], false)];
}

/** The object run ending at or before j, within WINDOW content words; past one preposition if asked. */
function runBefore(
  items: Item[],
  floor: number,
  j: number,
  pastPreposition: boolean,
): [number, number] | undefined {
  let content = 0;
  let crossed = !pastPreposition;
  while (j >= floor && !(items[j].kind === 'object' && crossed)) {
    const it = items[j];
    if (it.kind === 'comma' || it.kind === 'action' || it.kind === 'end') return undefined;
    // "ファイルの余分な空白を削除して": the nearest noun is a head noun, not our object.
    if (content === 0 && crossed && HEAD_NOUN.has(it.w)) return undefined;
    if (PREPOSITION.has(it.s)) {
      if (crossed) return undefined;
      crossed = true;
    } else if (it.kind !== 'object' && !STOP.has(it.s) && ++content > WINDOW) return undefined;
    j--;
  }
  if (j < floor) return undefined;
  let a = j;
  while (a - 1 >= floor && items[a - 1].kind === 'object') a--;
  return [a, j];
}
