// Kubernetes: one multi-document YAML: a Secret with the env files' variables, a Deployment per
// process type (replicas from the formation), a Service per port-bound type. Pure.
import { UsageError } from '../errors.js';
import { cannotCarry, SECRET_MODE, type ExportFile, type ExportInput, type ExportProcess } from './types.js';
import { escapeDollars, yamlList, yamlString } from './yaml.js';

const FORMAT = 'kubernetes';
/** DNS-1035 label: what a Service name must be (and fits Deployments and containers too). */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** `Web_API` -> `web-api`. */
const dnsName = (type: string): string => type.toLowerCase().replace(/_/g, '-');

function resourceNames(input: ExportInput): Map<string, string> {
  const names = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const { type } of input.processes) {
    const name = `${input.app}-${dnsName(type)}`;
    if (!DNS_LABEL.test(name)) {
      throw new UsageError(`kubernetes resource name "${name}" (for process type "${type}") is not a DNS label`, {
        hint: 'names must start with a letter, end with a letter or digit, and be at most 63 characters; pick another --app',
      });
    }
    const other = seen.get(name);
    if (other !== undefined) throw new UsageError(`process types "${other}" and "${type}" both become "${name}" in kubernetes`);
    seen.set(name, type);
    names.set(type, name);
  }
  return names;
}

function labels(input: ExportInput, type: string | undefined, indent: string): string[] {
  return [
    `${indent}app.kubernetes.io/name: ${yamlString(input.app)}`,
    ...(type === undefined ? [] : [`${indent}app.kubernetes.io/component: ${yamlString(dnsName(type))}`]),
  ];
}

function secret(input: ExportInput): string[] {
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${yamlString(`${input.app}-env`)}`,
    '  labels:',
    ...labels(input, undefined, '    '),
    'type: Opaque',
    'stringData:',
    ...Object.entries(input.env).map(([name, value]) => {
      if (!SECRET_KEY.test(name))
        throw cannotCarry(FORMAT, `variable ${JSON.stringify(name)}`, 'a Secret key is letters, digits, "-", "_" and "." only');
      // Secret values are never expanded: no escaping of $ here.
      return `  ${yamlString(name)}: ${yamlString(value)}`;
    }),
  ];
}

function runAsUser(user: string | undefined): string[] {
  if (user === undefined) return [];
  if (!/^\d+$/.test(user)) throw new UsageError(`kubernetes needs a numeric user id for -u (it sets runAsUser), got "${user}"`);
  return ['      securityContext:', `        runAsUser: ${user}`];
}

function deployment(input: ExportInput, process: ExportProcess, name: string): string[] {
  const hasSecret = Object.keys(input.env).length > 0;
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${yamlString(name)}`,
    '  labels:',
    ...labels(input, process.type, '    '),
    'spec:',
    `  replicas: ${process.count}`,
    '  selector:',
    '    matchLabels:',
    ...labels(input, process.type, '      '),
    '  template:',
    '    metadata:',
    '      labels:',
    ...labels(input, process.type, '        '),
    '    spec:',
    `      terminationGracePeriodSeconds: ${Math.ceil(input.timeoutSeconds)}`,
    ...runAsUser(input.user),
    '      containers:',
    `        - name: ${yamlString(dnsName(process.type))}`,
    `          image: ${yamlString(input.image ?? '')}`,
    // $(NAME) in args is expanded by Kubernetes; $$ keeps a literal $ for the shell.
    `          args: ${yamlList(['/bin/sh', '-c', escapeDollars(process.command)])}`,
    ...(hasSecret ? ['          envFrom:', '            - secretRef:', `                name: ${yamlString(`${input.app}-env`)}`] : []),
    '          env:',
    '            - name: "PORT"',
    `              value: ${yamlString(String(process.port))}`,
    // Replicas share a template: PS is the pod's name.
    '            - name: "PS"',
    '              valueFrom:',
    '                fieldRef:',
    '                  fieldPath: "metadata.name"',
    ...(process.portBound ? ['          ports:', `            - containerPort: ${process.port}`, '              protocol: "TCP"'] : []),
  ];
}

function service(input: ExportInput, process: ExportProcess, name: string): string[] {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${yamlString(name)}`,
    '  labels:',
    ...labels(input, process.type, '    '),
    'spec:',
    '  selector:',
    ...labels(input, process.type, '    '),
    '  ports:',
    `    - port: ${process.port}`,
    `      targetPort: ${process.port}`,
    '      protocol: "TCP"',
  ];
}

export function exportKubernetes(input: ExportInput): ExportFile[] {
  const names = resourceNames(input);
  const documents: string[][] = [];
  if (Object.keys(input.env).length > 0) documents.push(secret(input));
  for (const process of input.processes) {
    const name = names.get(process.type) as string;
    documents.push(deployment(input, process, name));
    if (process.portBound) documents.push(service(input, process, name));
  }
  const text = [`# Generated by ps-run export: the processes of ${input.app}.`, documents.map((d) => d.join('\n')).join('\n---\n')].join(
    '\n',
  );
  return [{ path: `${input.app}.yaml`, content: text + '\n', mode: SECRET_MODE }];
}
