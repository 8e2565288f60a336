// A Procfile command that is only `exec program args` runs the program without the shell in between;
// every other command, and every program the kernel would not run as it is, still goes to `sh -c`.
import { describe, expect, it } from 'vitest';
import { execWords, findProgram, kernelRuns, shellInvocation, type Runnable } from '../../src/supervisor/child.js';

describe('execWords', () => {
  it('takes the words of a plain exec command', () => {
    expect(execWords('exec /srv/server')).toEqual(['/srv/server']);
    expect(execWords('  exec \t node  server.js --port=5000 -v ')).toEqual(['node', 'server.js', '--port=5000', '-v']);
    expect(execWords('exec bin/rails server -b 127.0.0.1:3000')).toEqual(['bin/rails', 'server', '-b', '127.0.0.1:3000']);
  });

  it('leaves to the shell anything it would interpret, or that is not exec', () => {
    for (const command of [
      'node server.js',
      'exec',
      'exec ',
      'execute a',
      'exec node $PORT',
      'exec node ${PORT}',
      "exec node 'a b'",
      'exec node "a"',
      'exec a > log',
      'exec a 2>&1',
      'exec a | b',
      'exec a; b',
      'exec a && b',
      'exec a &',
      'exec ~/bin/server',
      'exec a*',
      'exec a?',
      'exec [a]',
      'exec {a,b}',
      'exec a\\ b',
      'exec a # note',
      'exec a\nexec b',
      'exec -a name prog',
      'exec FOO=1 prog',
      'exec $(which node)',
      'exec `which node`',
    ]) {
      expect(execWords(command), command).toBeUndefined();
    }
  });
});

describe('findProgram', () => {
  const table = (entries: Record<string, Runnable>) => (file: string) => entries[file] ?? 'none';

  it('resolves a path with a slash against the working directory', () => {
    expect(findProgram('bin/server', '/app', '/usr/bin', table({ '/app/bin/server': 'direct' }))).toBe('/app/bin/server');
    expect(findProgram('/srv/x', '/app', '/usr/bin', table({ '/srv/x': 'direct' }))).toBe('/srv/x');
    expect(findProgram('bin/server', '/app', '/usr/bin', table({}))).toBeUndefined();
  });

  it('takes the first executable file in PATH, as the shell does; an empty entry is the working directory', () => {
    const found = table({ '/b/node': 'direct', '/c/node': 'direct', '/app/tool': 'direct' });
    expect(findProgram('node', '/app', '/a:/b:/c', found)).toBe('/b/node');
    expect(findProgram('tool', '/app', '/a::/c', found)).toBe('/app/tool');
    expect(findProgram('missing', '/app', '/a:/b', found)).toBeUndefined();
  });

  it('leaves the command to the shell where the first match is not run by the kernel as it is, or there is no PATH', () => {
    const found = table({ '/a/node': 'shell', '/b/node': 'direct' });
    expect(findProgram('node', '/app', '/a:/b', found)).toBeUndefined();
    expect(findProgram('node', '/app', undefined, found)).toBeUndefined();
    expect(findProgram('x/node', '/a', '/b', table({ '/a/x/node': 'shell' }))).toBeUndefined();
  });
});

describe('kernelRuns', () => {
  const executable = (files: string[]) => (file: string) => files.includes(file);

  it('runs binaries and #! scripts whose interpreter is there', () => {
    expect(kernelRuns(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), executable([]))).toBe(true);
    expect(kernelRuns(Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), executable([]))).toBe(true);
    expect(kernelRuns(Buffer.from('#!/bin/sh\necho hi\n'), executable(['/bin/sh']))).toBe(true);
    expect(kernelRuns(Buffer.from('#! /usr/bin/env node\n'), executable(['/usr/bin/env']))).toBe(true);
  });

  it('leaves to the shell a script without #!, a missing or relative interpreter, and an empty file', () => {
    expect(kernelRuns(Buffer.from('echo hi\n'), executable(['/bin/sh']))).toBe(false);
    expect(kernelRuns(Buffer.from('#!/nowhere/sh\n'), executable(['/bin/sh']))).toBe(false);
    expect(kernelRuns(Buffer.from('#!sh\n'), executable(['sh']))).toBe(false);
    expect(kernelRuns(Buffer.from('#!'), executable([]))).toBe(false);
    expect(kernelRuns(Buffer.alloc(0), executable([]))).toBe(false);
  });
});

describe('shellInvocation', () => {
  const env = { PATH: '/usr/bin', PORT: '5000' };

  it('runs a plain exec command directly, named as typed, with PWD set as the shell would', () => {
    expect(shellInvocation({ command: 'exec node server.js', cwd: '/app', env }, () => '/usr/bin/node')).toEqual({
      file: '/usr/bin/node',
      args: ['server.js'],
      argv0: 'node',
      env: { PATH: '/usr/bin', PORT: '5000', PWD: '/app' },
    });
  });

  it('runs everything else with sh -c, unchanged', () => {
    const viaShell = (command: string) => ({ file: '/bin/sh', args: ['-c', command], env });
    expect(shellInvocation({ command: 'node server.js', cwd: '/app', env }, () => '/usr/bin/node')).toEqual(viaShell('node server.js'));
    expect(shellInvocation({ command: 'exec node -p $PORT', cwd: '/app', env }, () => '/usr/bin/node')).toEqual(
      viaShell('exec node -p $PORT'),
    );
    expect(shellInvocation({ command: 'exec missing', cwd: '/app', env }, () => undefined)).toEqual(viaShell('exec missing'));
  });
});
