// One entry per kind: its schema, names and the kubectl columns, so validation and CRD generation share a table.
import type { TSchema } from '@sinclair/typebox';
import { KIND_NAMES, type Kind, type KindNames } from './constants.js';
import { SemaIncident } from './sema-incident.js';
import { SemaClusterPolicy, SemaPolicy } from './sema-policy.js';
import { SemaPolicySource } from './sema-policy-source.js';
import { SemaClusterQuota, SemaQuota } from './sema-quota.js';

/** A CRD additionalPrinterColumn. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindDefinition {
  names: KindNames;
  /** The whole object (apiVersion, kind, metadata, spec, status) as TypeBox defines it. */
  schema: TSchema;
  printerColumns: PrinterColumn[];
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition',
};
const STATUS: PrinterColumn = {
  name: 'Status',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].message',
  description: 'Message of the Ready condition',
  priority: 1,
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KIND_DEFINITIONS: Readonly<Record<Kind, KindDefinition>> = {
  SemaPolicy: {
    names: KIND_NAMES.SemaPolicy,
    schema: SemaPolicy,
    printerColumns: [
      // The API server prints only the first match of a column path, so these show the first rule.
      {
        name: 'Action',
        type: 'string',
        jsonPath: '.spec.rules[0].action',
        description: 'Action of the first rule',
      },
      {
        name: 'Risk',
        type: 'string',
        jsonPath: '.spec.rules[0].riskLevel',
        description: 'Risk of the first rule',
      },
      { name: 'Enforcement', type: 'string', jsonPath: '.spec.enforcement', priority: 1 },
      { name: 'Rules', type: 'integer', jsonPath: '.status.rules', priority: 1 },
      READY,
      STATUS,
      AGE,
    ],
  },
  SemaQuota: {
    names: KIND_NAMES.SemaQuota,
    schema: SemaQuota,
    printerColumns: [{ name: 'On-Exceed', type: 'string', jsonPath: '.spec.onExceed' }, READY, STATUS, AGE],
  },
  SemaPolicySource: {
    names: KIND_NAMES.SemaPolicySource,
    schema: SemaPolicySource,
    printerColumns: [
      { name: 'URL', type: 'string', jsonPath: '.spec.url' },
      { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision', priority: 1 },
      READY,
      STATUS,
      { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend', priority: 1 },
      AGE,
    ],
  },
  SemaClusterPolicy: {
    names: KIND_NAMES.SemaClusterPolicy,
    schema: SemaClusterPolicy,
    printerColumns: [
      {
        name: 'Action',
        type: 'string',
        jsonPath: '.spec.rules[0].action',
        description: 'Action of the first rule',
      },
      { name: 'Enforcement', type: 'string', jsonPath: '.spec.enforcement', priority: 1 },
      { name: 'Rules', type: 'integer', jsonPath: '.status.rules', priority: 1 },
      READY,
      STATUS,
      AGE,
    ],
  },
  SemaClusterQuota: {
    names: KIND_NAMES.SemaClusterQuota,
    schema: SemaClusterQuota,
    printerColumns: [{ name: 'On-Exceed', type: 'string', jsonPath: '.spec.onExceed' }, READY, STATUS, AGE],
  },
  SemaIncident: {
    names: KIND_NAMES.SemaIncident,
    schema: SemaIncident,
    printerColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Agent', type: 'string', jsonPath: '.spec.agent.pod' },
      { name: 'Rule', type: 'string', jsonPath: '.spec.rule' },
      { name: 'Action', type: 'string', jsonPath: '.spec.action' },
      AGE,
    ],
  },
};
