// Liveness of the items of a sentence: whether an action word is requested, or negated, asked
// about, reported, quoted material, a name or a noun; and the clause structure those rules read
// (request openers, separable verbs, infinitive clauses, parentheticals). Plain functions over the
// items prose.ts classified.

import { INITIAL_VERBS } from './lexicon.js';
import type { Item, Tok } from './lexing.js';
import type { Evidence, ProseOptions, Rejection } from './prose.js';
import {
  ABILITY,
  ABOUT,
  ADJECTIVE_LEAD,
  ADVERBIAL,
  BACKWARD_MARKER,
  BE_PRESENT,
  CANCEL,
  CJK_LOCATION,
  CJK_WORD,
  CONTENT_VERB,
  COORDINATOR,
  DETERMINER,
  DIRECTIVE,
  HEAD_NOUN,
  HYPOTHETICAL,
  IMPERATIVE_ONLY,
  INFINITIVE_MARKER,
  INTERROGATIVE,
  INVOKER,
  isPast,
  LEXICON_SURFACE,
  LINKER,
  LOOK,
  MODAL,
  NEG_END,
  NEG_PARTICLE,
  NEGATE,
  NEGATION_REACH,
  negates,
  OBJECT_PRONOUN,
  OPTATIVE,
  PASSIVE_AUX,
  PAST_PARTICIPLE,
  PERFECTIVE,
  PERSONAL,
  PLACEHOLDER,
  POST_NEGATE,
  PREPOSITION,
  presupposed,
  REASON_NOUN,
  RELATIVE,
  REPORT,
  REQUEST_BY_FIRST,
  SEPARABLE,
  SEQUENCE,
  STATE_CHANGE,
  STOP,
  SUBJECT_LEAD,
  SUBJECT_PREDICATE,
  SUBJECT_PRONOUN,
  SUBJECT_PRONOUN_FIRST,
  SUBORDINATOR,
  subjectlessImperative,
  TIME_NOUN,
  TRAILING,
  WISH,
} from './prose-words.js';

/** A pronoun written onto a verb: its object ("bórralos"), reflexive or passive ("borrarse"), or another. */
export type Clitic = 'object' | 'reflexive' | 'other';

/** The state of one read: tokens, classified items, options and what was found. */
export interface Ctx {
  toks: Tok[];
  items: Item[];
  opts: ProseOptions;
  found: Map<string, Evidence>;
  rejected?: Rejection[];
  /** Whether the text is in a language whose infinitives end in -r or -re (Spanish, French, Portuguese). */
  romance?: boolean;
  /** Actions with a pronoun written onto them ("bórralos", "borrarse"), and which kind of pronoun. */
  clitics?: Map<number, Clitic>;
}

/** The [start, end) text offsets of items a..b. */
export function span(ctx: Ctx, a: number, b = a): [number, number] {
  const first = ctx.toks[ctx.items[a].pos];
  const lastItem = ctx.items[b];
  const lastWords = lastItem.key.split(' ').length;
  const last = ctx.toks[lastItem.pos + lastWords - 1] ?? ctx.toks[lastItem.pos];
  return [first?.at ?? 0, (last?.at ?? 0) + (last?.w.length ?? 0)];
}

/** Records (for `explain`) why the action at i produced nothing; always false. */
export function reject(ctx: Ctx, i: number, reason: string): false {
  ctx.rejected?.push({ action: ctx.items[i].canon, span: span(ctx, i), reason });
  return false;
}

/** Whether the report marker at j is a passive auxiliary after a modal ("应该今天被删除"): a request. */
export function modalPassive(items: Item[], from: number, j: number): boolean {
  if (!PASSIVE_AUX.has(items[j].key)) return false;
  for (let k = j - 1; k >= Math.max(from, j - LOOK); k--) {
    if (items[k].kind === 'comma') return false;
    if (MODAL.has(items[k].key)) return true;
  }
  return false;
}

/** Whether the clause after the comma at `comma` is an infinitive clause ("…, die Backups zu löschen,"). */
export function infinitiveClause(items: Item[], comma: number, to: number): boolean {
  for (let k = comma + 1; k < Math.min(to, comma + LOOK); k++) {
    if (items[k].kind === 'comma') return false;
    if (items[k].kind === 'action') return k > comma + 1 && INFINITIVE_MARKER.has(items[k - 1].s);
  }
  return false;
}

/** Whether the object at `o` is followed by a linker (的, の) or a location (里) and a plain word, its real head. */
export function modifiesAWord(items: Item[], o: number, to: number): boolean {
  if (o + 2 >= to) return false;
  // "文件里多余的空格": a location word after the object says where the real head is, like 的.
  const joint = items[o + 1].key;
  if (!LINKER.has(joint) && !CJK_LOCATION.has(joint)) return false;
  const head = items[o + 2];
  // "バケットのオブジェクト", "存储桶中的对象": a placeholder head stands for the object's contents.
  return head.kind === 'word' && !STOP.has(head.s) && CJK_WORD.test(head.key) && !PLACEHOLDER.has(head.key);
}

/**
 * "Fahre den Server herunter": a verb whose particle closes the clause is the action of the
 * separable verb they form (German), the particle a plain word.
 */
export function separableVerbs(items: Item[], from: number, to: number): void {
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && items[i].kind !== 'comma') continue;
    let last = i - 1;
    while (last > start && STOP.has(items[last].s)) last--;
    for (let k = start; k < last; k++) {
      // The particle closes the clause ("Fahre den Server herunter"), or follows the object
      // ("shut the monitoring off for an hour").
      let particle = last;
      let canon = SEPARABLE.get(`${items[k].key} ${items[last].key}`);
      for (let m = k + 2; canon === undefined && m < last; m++)
        if (items[m - 1].kind === 'object') {
          canon = SEPARABLE.get(`${items[k].key} ${items[m].key}`);
          particle = m;
        }
      if (canon === undefined) continue;
      items[k] = { ...items[k], kind: 'action', canon };
      items[particle] = { ...items[particle], kind: 'word', canon: '' };
      break;
    }
    start = i + 1;
  }
}

/**
 * "Para los nodos del grupo de cómputo", "Para o nó worker-1": a sentence opened by an imperative
 * spelt like a function word (`initialVerbs`), then a determiner and an object, is a request when
 * the object phrase is all it says: names, prepositional phrases of one word and adverbs of time
 * may follow, a verb or a comma may not ("Para el despliegue necesito dos nodos", "Para o deploy,
 * use …" keep the preposition). The word becomes the action.
 */
export function initialVerbs(items: Item[], languages: string): void {
  for (let s = 0; s < items.length; s++) {
    if (s > 0 && items[s - 1].kind !== 'end') continue;
    const verb = INITIAL_VERBS.get(items[s].w)?.find((v) => languages.includes(v.language));
    if (verb === undefined || items[s].kind !== 'word') continue;
    if (!DETERMINER.has(items[s + 1]?.s ?? '') || items[s + 2]?.kind !== 'object') continue;
    let m = s + 3;
    for (; m < items.length && items[m].kind !== 'end'; m++) {
      const it = items[m];
      if (it.kind === 'object' || it.name || it.ident || /\d/.test(it.w)) continue;
      if (ADVERBIAL.has(it.key) || TIME_NOUN.has(it.s)) continue;
      if (!PREPOSITION.has(it.s)) break;
      // "del grupo", "de staging": the preposition and the one word it governs.
      m++;
      while (m < items.length && DETERMINER.has(items[m].s)) m++;
      if (m >= items.length || items[m].kind === 'end' || items[m].kind === 'comma') break;
    }
    // A question or a heading ("Para la base de producción: …") keeps the preposition.
    if (m < items.length && (items[m].kind !== 'end' || items[m].s === '?' || items[m].w === ':')) continue;
    items[s] = { ...items[s], kind: 'action', canon: verb.action };
  }
}

/** The last words of request openers ("tu peux", "peux-tu"): a proclitic may follow them. */
const REQUEST_LAST = new Set([...REQUEST_BY_FIRST.values()].flat().map((w) => w[w.length - 1]));

/**
 * "tu peux le supprimer", "il faut les purger", "merci de les vider": an object pronoun between a
 * modal, directive or request opener and an infinitive is the verb's object (a proclitic standing
 * for the last object named), not an article ("avant de les supprimer" has no such governor).
 */
export function proclitic(items: Item[], i: number): boolean {
  const pronoun = items[i - 1];
  if (pronoun === undefined || !OBJECT_PRONOUN.has(pronoun.w) || items[i + 1]?.kind === 'object')
    return false;
  if (!/(er|ir|re)$/.test(items[i].w)) return false;
  let k = i - 2;
  if (items[k]?.s === 'de') k--;
  const gov = items[k];
  if (gov === undefined || gov.kind === 'comma') return false;
  if (MODAL.has(gov.key) || DIRECTIVE.has(gov.key) || CANCEL.has(gov.key) || REQUEST_LAST.has(gov.s))
    return true;
  // "n'oublie pas de les supprimer"
  return NEGATE.has(gov.key) && k >= 1 && CANCEL.has(items[k - 1].key);
}

/** Positions (item indices) of request openers: "can you …", "why don't you …", "how about …". */
export function requestOpeners(items: Item[], from: number, to: number): Set<number> {
  const at = new Set<number>();
  for (let i = from; i < to; i++) {
    // At the start of the sentence or of a clause, after at most a few words ("ok so can you …").
    if (i - from > 3 && items[i - 1].kind !== 'comma') continue;
    for (const words of REQUEST_BY_FIRST.get(items[i].s) ?? []) {
      if (i + words.length > to) continue;
      if (words.every((w, k) => items[i + k].s === w)) for (let k = 0; k < words.length; k++) at.add(i + k);
    }
  }
  return at;
}

/** Whether the action at i is requested (not negated, asked about, reported, or a mere noun). */
export function isLive(ctx: Ctx, from: number, to: number, i: number, opener: Set<number>): boolean {
  const { items, opts } = ctx;
  const it = items[i];
  const prev = i > from ? items[i - 1] : undefined;
  if (it.ident && !opts.identifiers) {
    // An identifier in prose is a name ("the function deleteUser"), unless it is being invoked.
    let invoked = false;
    for (let j = i - 1; j >= Math.max(from, i - 3); j--) if (INVOKER.has(items[j].s)) invoked = true;
    if (!invoked || (prev?.ident && prev.kind !== 'word')) return reject(ctx, i, 'identifier (a name)');
  }
  // "n'oublie pas de supprimer", "assure-toi de supprimer": "de" after a verb introduces an infinitive.
  const governed =
    i - 2 >= from &&
    (NEGATE.has(items[i - 2].key) || DIRECTIVE.has(items[i - 2].key) || CANCEL.has(items[i - 2].key));
  if (
    prev !== undefined &&
    prev.kind !== 'action' &&
    DETERMINER.has(prev.s) &&
    !it.ident &&
    ctx.clitics?.get(i) !== 'object' &&
    !(governed && PREPOSITION.has(prev.s)) &&
    // "Vamos a borrar": a Romance infinitive after "a" is a verb, "a" its preposition.
    !(ctx.romance === true && prev.w === 'a' && /(ar|er|ir)$/.test(it.w))
  ) {
    // "the deletion of the namespace"; "The deletion of the namespace is scheduled …" describes.
    if (items[i + 1]?.s === 'of' && !opener.has(i - 1)) {
      if (subjectOfStatement(ctx, from, to, i)) return reject(ctx, i, 'the subject of a statement');
      return !aboutIt(items, from, i);
    }
    return reject(ctx, i, 'a noun or adjective after a determiner');
  }
  if (it.quoted && quotedMaterial(items, from, i)) return reject(ctx, i, 'quoted material');
  // "Lose the temp bucket", "can we lose the snapshots?" ask; "you'll lose the volume" warns.
  if (IMPERATIVE_ONLY.has(it.key) && !clauseHead(items, from, i, opener))
    return reject(ctx, i, 'not at the head of its clause');
  // "删除操作的日志", "削除ボタンの色": a Chinese or Japanese verb right before a head noun names it
  // (not before a noun modifying an object: "删除报表模式"); "删除的快照" (the deleted snapshots)
  // modifies the noun after its linker.
  const next = items[i + 1];
  if (
    next?.kind === 'word' &&
    CJK_WORD.test(it.key) &&
    CJK_WORD.test(next.key) &&
    ((HEAD_NOUN.has(next.w) && items[i + 2]?.kind !== 'object') || LINKER.has(next.key))
  )
    return reject(ctx, i, 'a noun modifier');
  // "Review this migration: it drops the table", "elle supprime …", "它会删除 …": described
  // (a pronoun, or a pronoun and its auxiliary; not the object after 把 in "把它删除", nor a wish's
  // clause: "quiero que se elimine").
  const before = i - 2 >= from ? items[i - 2] : undefined;
  if (
    prev !== undefined &&
    ((SUBJECT_PRONOUN.has(prev.s) &&
      !(before && (BACKWARD_MARKER.has(before.key) || SUBORDINATOR.has(before.s)))) ||
      (before !== undefined &&
        SUBJECT_PRONOUN_FIRST.has(before.s) &&
        SUBJECT_PRONOUN.has(`${before.s} ${prev.s}`)))
  )
    return reject(ctx, i, 'described (a subject pronoun)');
  // "他把数据库删了": a subject pronoun before 把 describes what was done (not "你把…删了吧").
  for (let j = i - 1; j > from && j >= i - LOOK; j--)
    if (BACKWARD_MARKER.has(items[j].key)) {
      if (SUBJECT_PRONOUN.has(items[j - 1].s) && !items.slice(i + 1, to).some((x) => x.key === '吧'))
        return reject(ctx, i, 'described (a subject pronoun)');
      break;
    }
  // "un cambio que borra namespaces", "une migration qui supprime …": a relative clause describes
  // the noun it follows ("a" excepted: a preposition in "dile a Juan que borre …").
  if (
    i - 3 >= from &&
    SUBORDINATOR.has(items[i - 1].s) &&
    items[i - 2].kind !== 'action' &&
    !STOP.has(items[i - 2].s) &&
    DETERMINER.has(items[i - 3].s) &&
    items[i - 3].s !== 'a'
  )
    return reject(ctx, i, 'described (a relative clause)');
  // "The README says to drop the demo database", "他说要删数据库": an instruction reported, not given.
  if (
    prev !== undefined &&
    (prev.s === 'to' || INFINITIVE_MARKER.has(prev.s) || MODAL.has(prev.key)) &&
    i - 2 >= from &&
    CONTENT_VERB.has(items[i - 2].s)
  )
    return reject(ctx, i, 'an instruction reported (says to …)');
  const w = it.w;
  // "before users can delete their account", "the script can drop tables": an ability described;
  // "you can delete it", "we can drop it" give permission.
  if (
    prev !== undefined &&
    ABILITY.has(prev.s) &&
    i - 2 >= from &&
    !opener.has(i - 1) &&
    (items[i - 2].kind === 'object' || (items[i - 2].kind === 'word' && !STOP.has(items[i - 2].s))) &&
    !PERSONAL.has(items[i - 2].s) &&
    !NEGATE.has(items[i - 2].key)
  )
    return reject(ctx, i, 'described (an ability)');
  // "all running jobs", "every failing pod": a participle used as an adjective.
  if (w.endsWith('ing') && prev !== undefined && ADJECTIVE_LEAD.has(prev.s))
    return reject(ctx, i, 'a participle used as an adjective');
  // "was dropped", "I deleted": a report; "should be dropped", "I want the db dropped": a request.
  const passive = prev !== undefined && PASSIVE_AUX.has(prev.s);
  if (
    isPast(it) &&
    !passive &&
    !wantedDone(items, from, i) &&
    !ensuredDone(items, from, i) &&
    !presupposed(items, from, i)
  )
    return reject(ctx, i, 'a report of the past');
  // "the pods that would be deleted", "the snapshots that will be removed": described.
  if (passive && i - 2 >= from && hypotheticalPassive(items, i - 2))
    return reject(ctx, i, 'described (a hypothetical or relative clause)');
  // "der Cronjob hat alle Pods gelöscht": a participle reports, unless a modal asks ("muss … gelöscht werden").
  if (PAST_PARTICIPLE.has(it.key) && !passive) {
    let modal = false;
    // "Ich möchte, dass der Bucket geleert wird": a passive under a directive is wished for.
    const auxiliary = TRAILING.has(items[i + 1]?.key ?? '');
    for (let j = Math.max(from, i - LOOK); j < i && !modal; j++)
      modal = MODAL.has(items[j].s) || (auxiliary && DIRECTIVE.has(items[j].key));
    if (!modal) return reject(ctx, i, 'a report of the past');
  }
  // "定时任务删除了所有 pod": done, unless asked with 把 ("把数据库删除了") or softened with 吧.
  if (PERFECTIVE.has(items[i + 1]?.key ?? '')) {
    let asked = false;
    // "确保临时卷都不存在了": a state change under a directive is asked for, not reported.
    const state = STATE_CHANGE.has(it.key);
    for (let j = Math.max(from, i - LOOK); j < i && !asked; j++)
      asked = BACKWARD_MARKER.has(items[j].key) || (state && DIRECTIVE.has(items[j].key));
    for (let j = i + 2; j < to && !asked; j++) asked = items[j].key === '吧';
    if (!asked) return reject(ctx, i, 'a report of the past');
  }
  // "fue eliminada", "wurde gelöscht", "被删除了", "削除されました": a report in the clause.
  for (let j = Math.max(from, i - LOOK); j < Math.min(to, i + 4); j++) {
    if (items[j].kind === 'comma' && j > i) break;
    if (j !== i && REPORT.has(items[j].key) && !modalPassive(items, from, j) && !attributive(items, from, j))
      return reject(ctx, i, 'a report of the past');
  }
  // "削除しないでください", "Fahre den Knoten nicht herunter": a negation after the verb.
  for (let j = i + 1; j < Math.min(to, i + LOOK); j++) {
    if (items[j].kind === 'comma' || items[j].kind === 'action') break;
    if (POST_NEGATE.has(items[j].key)) return reject(ctx, i, 'negated');
  }
  // "the table no longer exists in the doc" describes; "ensure the db no longer exists" asks.
  if (STATE_CHANGE.has(it.key) && !passive) {
    let directed = false;
    for (let j = Math.max(from, i - LOOK); j < i && !directed; j++)
      directed = DIRECTIVE.has(items[j].key) || opener.has(j);
    // "Que la base de démo n'existe plus demain": a wish opened by "que" is a directive.
    directed ||= OPTATIVE.has(items[from].s);
    // Verb-final languages put the directive after the predicate ("消えてほしい", "…ようにして").
    for (let j = i + 1; j < Math.min(to, i + LOOK) && !directed && CJK_WORD.test(it.key); j++)
      directed = DIRECTIVE.has(items[j].key);
    if (!directed) return reject(ctx, i, 'a state described, not requested');
  }
  // "Deleting the namespace would be a disaster", "Borrar el namespace sería un desastre": a
  // gerund or infinitive opening the sentence is the subject of a statement, not a request.
  if (subjectOfStatement(ctx, from, to, i)) return reject(ctx, i, 'the subject of a statement');
  // "our policy forbids anyone to drop …", "a test asserting that … is rejected": about the operation.
  // "Unsere Richtlinie verbietet es, die Datenbank zu löschen": an infinitive clause belongs to
  // the clause before its comma.
  const infinitive = prev !== undefined && INFINITIVE_MARKER.has(prev.s);
  if (aboutIt(items, from, i, infinitive))
    return reject(ctx, i, 'about the operation (forbid, test, alert, review …)');
  let commas = infinitive ? 1 : 0;
  for (let j = i + 1; j < Math.min(to, i + 2 * LOOK); j++) {
    if (items[j].kind === 'comma' && commas-- > 0) continue;
    if (items[j].kind === 'comma' || COORDINATOR.has(items[j].s)) break;
    if (
      ABOUT.has(items[j].key) &&
      /(ed|é|ée|ado|ada|ido|ida|lehnt|weigert)$/.test(items[j].w) &&
      items[j].kind !== 'object'
    )
      return reject(ctx, i, 'about the operation (… is rejected)');
  }
  const third =
    w.endsWith('s') &&
    !w.endsWith('ss') &&
    !LEXICON_SURFACE.has(w) &&
    it.key.split(' ').length === 1 &&
    !it.ident &&
    !passive &&
    !ctx.clitics?.has(i);
  if (third) {
    // "the job removes files", "packet drops": described, not requested.
    for (let j = Math.max(from, i - LOOK); j < i; j++) {
      const p = items[j];
      if (p.kind !== 'comma' && !STOP.has(p.s) && !opener.has(j))
        return reject(ctx, i, 'described (third person)');
    }
  }
  // "El cron borra los logs", "Der Cronjob löscht …": a subject before the verb describes it, in a
  // language whose imperative has none.
  if (subjectBefore(ctx, from, i)) return reject(ctx, i, 'described (a subject before the verb)');
  // An interrogative before the action in the same clause: "explain what kubectl delete does"
  // (not "tell me when you've deleted it", which presupposes the deletion).
  for (let j = i - 1; j >= Math.max(from, i - LOOK) && !presupposed(items, from, i); j--) {
    const p = items[j];
    if (p.kind === 'comma' || COORDINATOR.has(p.s)) break;
    // "Je voudrais qu'on supprime …": after a wish, "qu'" is "that", not "what".
    const wish = j > from && DIRECTIVE.has(items[j - 1].key);
    if (INTERROGATIVE.has(p.s) && !opener.has(j) && !wish) return reject(ctx, i, 'asked about');
  }
  if (negated(items, from, i, opener)) return reject(ctx, i, 'negated');
  // "Nothing in the prod bucket should ever be deleted": a negated subject, however long, negates
  // its passive predicate.
  if ((passive || ensuredDone(items, from, i)) && negatedSubject(items, from, i))
    return reject(ctx, i, 'negated');
  return true;
}

/** Whether the word at k (before "be") is "would"/"might", or a modal after "that"/"which". */
function hypotheticalPassive(items: Item[], k: number): boolean {
  if (HYPOTHETICAL.has(items[k].s)) return true;
  return k >= 1 && MODAL.has(items[k].key) && RELATIVE.has(items[k - 1].s);
}

/** Whether the clause of the action at i opens with a negation ("nothing", "no", "none of"). */
function negatedSubject(items: Item[], from: number, i: number): boolean {
  let c = i - 1;
  while (c > from && items[c - 1].kind !== 'comma' && i - c < LOOK) c--;
  return negates(items[c].key);
}

/**
 * "Make sure the temp bucket is deleted", "ensure the snapshots are removed": a directive, the
 * object's noun phrase, a present form of "be", then the participle at i.
 */
function ensuredDone(items: Item[], from: number, i: number): boolean {
  if (i - 2 < from || !BE_PRESENT.has(items[i - 1].s) || items[i - 2].kind !== 'object') return false;
  // Back over the noun phrase (objects, up to two modifiers, then stop words and "that") to the directive.
  let j = i - 3;
  const floor = Math.max(from, i - 8);
  while (j >= floor && items[j].kind === 'object') j--;
  for (
    let modifiers = 0;
    j >= floor && items[j].kind === 'word' && !STOP.has(items[j].s) && modifiers < 2;
    j--
  )
    modifiers++;
  while (j >= floor && items[j].kind === 'word' && (STOP.has(items[j].s) || items[j].s === 'that')) j--;
  if (j < from) return false;
  return DIRECTIVE.has(items[j].key) || (j > from && DIRECTIVE.has(`${items[j - 1].key} ${items[j].key}`));
}

/**
 * Whether the action at i heads its clause: only stop words, request openers, directives and
 * modals ("let's", "you must") between it and the clause's comma, coordinator or start.
 */
function clauseHead(items: Item[], from: number, i: number, opener: Set<number>): boolean {
  for (let j = i - 1; j >= from; j--) {
    const p = items[j];
    if (p.kind === 'comma' || COORDINATOR.has(p.s)) return true;
    if (!STOP.has(p.s) && !opener.has(j) && !DIRECTIVE.has(p.key) && !MODAL.has(p.key)) return false;
  }
  return true;
}

/**
 * Whether the clause of the action at i opens with a subject: an article, demonstrative or
 * possessive, then one to three plain words (no object, no noun of time), then the verb — in a
 * Romance or German text, and not an infinitive.
 */
function subjectBefore(ctx: Ctx, from: number, i: number): boolean {
  const { items } = ctx;
  const w = items[i].w;
  if (/(ar|er|ir|re|en)$/.test(w)) return false;
  // A verb in -t is a third person ("löscht", "détruit"): its subject may be an object word ("der Cronjob").
  const third = w.endsWith('t');
  // The clause's start, looked for no further back than a subject can reach (a text of one long
  // clause must not cost a walk back to its start for every verb in it).
  let c = i - 1;
  const reach = Math.max(from, i - 5);
  while (c >= reach && items[c].kind !== 'comma') c--;
  c++;
  if (i - c < 2 || i - c > 4 || !SUBJECT_LEAD.has(items[c].w)) return false;
  let plain = 0;
  for (let k = c + 1; k < i; k++) {
    const it = items[k];
    if (it.kind === 'object' && third) {
      plain++;
      continue;
    }
    if (it.kind !== 'word' || TIME_NOUN.has(it.s) || NEGATE.has(it.key) || MODAL.has(it.s)) return false;
    if (!STOP.has(it.s)) plain++;
  }
  return plain > 0 && subjectlessImperative();
}

/**
 * Whether the action at i is a gerund, infinitive or noun ("the deletion of …") opening its
 * sentence and followed by a predicate.
 */
function subjectOfStatement(ctx: Ctx, from: number, to: number, i: number): boolean {
  const { items } = ctx;
  const w = items[i].w;
  // "删除命名空间会导致数据丢失": a Chinese verb opening its sentence may be its subject too.
  const cjk = CJK_WORD.test(items[i].key);
  const nominal = i > from && DETERMINER.has(items[i - 1].s) && items[i + 1]?.s === 'of';
  if (!(w.endsWith('ing') || nominal || cjk || (ctx.romance === true && /(ar|er|ir|re)$/.test(w))))
    return false;
  for (let k = from; k < i; k++) if (items[k].kind !== 'comma' && !STOP.has(items[k].s)) return false;
  for (let j = i + 1; j < Math.min(to, i + LOOK); j++) {
    const it = items[j];
    if (it.kind === 'comma' || it.kind === 'action') return false;
    if (it.kind === 'word' && SUBJECT_PREDICATE.has(it.key)) return true;
  }
  return false;
}

/**
 * Whether the quotation holding the action at i is material to work on, not a request: a content
 * word ("translate", "says", "comment", "button", 按钮) before it in the clause (or right before a
 * colon opening it), or after it before the clause ends ("「クラスタを削除」ボタン").
 */
export function quotedMaterial(items: Item[], from: number, i: number): boolean {
  const content = (it: Item) => !it.quoted && (CONTENT_VERB.has(it.s) || CONTENT_VERB.has(it.key));
  let start = i;
  while (start > 0 && items[start - 1].quoted) start--;
  let end = i;
  while (end < items.length && items[end].quoted) end++;
  // "The ticket says: "…"": the colon ends a sentence for the reader, not the quotation's frame.
  const back = start === from && from > 0 ? Math.max(0, from - 1 - LOOK) : Math.max(from, start - LOOK);
  for (let j = back; j < start; j++) if (content(items[j])) return true;
  for (let j = end; j < Math.min(items.length, end + LOOK); j++) {
    const it = items[j];
    if (it.kind === 'comma' || it.s === '.' || it.s === '?' || COORDINATOR.has(it.s)) break;
    if (content(it)) return true;
  }
  return false;
}

/**
 * Whether a word of the same clause before the action makes the sentence about the operation
 * ("forbids", "deny", "protect", "test", "alert", "review"), unless that word modifies an object
 * ("the test namespace", "audit logs").
 */
export function aboutIt(items: Item[], from: number, i: number, acrossCommas = false): boolean {
  // "the test namespace", "audit logs", and after a preposition "el clúster de pruebas".
  const modifies = (j: number) => {
    let k = j + 1;
    while (k < items.length && STOP.has(items[k].s) && items[k].kind === 'word') k++;
    if (items[k]?.kind === 'object') return true;
    return j >= 2 && PREPOSITION.has(items[j - 1].s) && items[j - 2].kind === 'object';
  };
  for (let j = i - 1; j >= Math.max(from, i - LOOK); j--) {
    const p = items[j];
    // "explain the difference between stopping and deleting a pod": coordinated verbs share it
    // (not a noun: "Cancel the rollout and delete the namespace").
    if (COORDINATOR.has(p.s) && items[j - 1]?.kind === 'action' && !DETERMINER.has(items[j - 2]?.s ?? ''))
      continue;
    if ((p.kind === 'comma' && !acrossCommas) || COORDINATOR.has(p.s)) break;
    // "Email the owner before deleting the bucket", "… before you drop it": a step of the request
    // of its own ("warns before anyone runs …" describes someone else's).
    if (SEQUENCE.has(p.s) && (j + 1 === i || PERSONAL.has(items[j + 1].s))) break;
    if (ABOUT.has(p.key) && p.kind !== 'object' && !modifies(j)) return true;
  }
  // Verb-final languages put the verb that governs the clause after it: "…削除…を説明して".
  for (let j = i + 1; j < Math.min(items.length, i + LOOK); j++) {
    const p = items[j];
    if (p.kind === 'end' || p.kind === 'comma') break;
    if (ABOUT.has(p.key) && p.kind !== 'object' && CJK_WORD.test(p.key) && !modifies(j)) return true;
  }
  return false;
}

/** "I want the staging namespace deleted": a wish verb, an object, then the participle at i. */
export function wantedDone(items: Item[], from: number, i: number): boolean {
  if (i - 1 < from || items[i - 1].kind !== 'object') return false;
  // "get the preview namespace removed": up to two modifiers may come between.
  let modifiers = 0;
  for (let j = i - 2; j >= Math.max(from, i - 6); j--) {
    if (WISH.has(items[j].s)) return true;
    if (items[j].kind !== 'object' && !STOP.has(items[j].s) && (items[j].kind !== 'word' || ++modifiers > 2))
      return false;
  }
  return false;
}

/**
 * The comma opening a parenthetical that ends with the comma at `close` and follows a negation
 * ("not, under any circumstances,"), or undefined: no action inside, at most LOOK items long.
 */
export function parenthetical(items: Item[], from: number, close: number): number | undefined {
  for (let k = close - 1; k > from && close - k <= LOOK; k--) {
    if (items[k].kind === 'action' || items[k].kind === 'end') return undefined;
    if (items[k].kind === 'comma') return NEGATE.has(items[k - 1].key) ? k : undefined;
  }
  return undefined;
}

/**
 * Whether the negation at j follows a negated reason ("there's no reason not to", "no hay ningún
 * motivo para no"): a reason noun at most two words before it, a negation at most three before that.
 */
function negatedReason(items: Item[], from: number, j: number): boolean {
  for (let k = j - 1; k >= Math.max(from, j - 3); k--) {
    const it = items[k];
    if (it.kind === 'comma' || it.kind === 'action' || it.kind === 'object') return false;
    if (!REASON_NOUN.has(it.key)) continue;
    for (let m = k - 1; m >= Math.max(from, k - 3); m--) {
      if (items[m].kind === 'comma') return false;
      if (NEGATE.has(items[m].key)) return true;
    }
    return false;
  }
  return false;
}

/**
 * "das Backup von gestern", "les sauvegardes d'hier", "昨天的备份": a time word after an object and
 * a preposition, or before a linker, names which object is meant; it reports nothing.
 */
function attributive(items: Item[], from: number, j: number): boolean {
  if (LINKER.has(items[j + 1]?.key ?? '') && items[j + 2]?.kind === 'object') return true;
  return j - 2 >= from && PREPOSITION.has(items[j - 1].s) && items[j - 2].kind === 'object';
}

/** Whether the action at `at` is negated (an odd number of negations before it in its clause). */
export function negated(items: Item[], from: number, at: number, opener: Set<number>): boolean {
  const pos = items[at].pos;
  let cancelled = false;
  let count = 0;
  let j = at - 1;
  for (; j >= from; j--) {
    const it = items[j];
    // "Do not, under any circumstances, wipe the backups": a negation before a parenthetical.
    if (it.kind === 'comma' && j === at - 1) {
      const k = parenthetical(items, from, j);
      if (k !== undefined) {
        j = k;
        continue;
      }
    }
    if (it.kind === 'comma' || pos - it.pos > NEGATION_REACH || NEG_END.has(it.s)) break;
    if (CANCEL.has(it.s) || CANCEL.has(it.key)) cancelled = true;
    if (negates(it.key) && !opener.has(j)) {
      // "n'oublie pas de supprimer": the canceller may come right before the negation, or one
      // adverb before it ("n'oublie surtout pas").
      const cancels = (k: number) => k >= from && (CANCEL.has(items[k].s) || CANCEL.has(items[k].key));
      const adverb =
        j - 1 >= from &&
        items[j - 1].kind === 'word' &&
        !NEGATE.has(items[j - 1].key) &&
        !STOP.has(items[j - 1].s) &&
        !SUBORDINATOR.has(items[j - 1].s);
      if (cancelled || cancels(j - 1) || (adverb && cancels(j - 2))) return false;
      count++;
      // "don't not drop": two adjacent negations cancel; a lone one negates, and so does a pair
      // made with a particle ("personne ne puisse effacer").
      const paired = NEG_PARTICLE.has(it.s) || NEG_PARTICLE.has(items[j - 1]?.s ?? '');
      if (j - 1 >= from && NEGATE.has(items[j - 1].key) && !opener.has(j - 1) && !paired) {
        count++;
        j--;
      } else if (negatedReason(items, from, j)) count++;
      break;
    }
  }
  return count % 2 === 1;
}
