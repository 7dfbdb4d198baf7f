#!/usr/bin/env node
// `npm run notebook`: the classic Jupyter Notebook server on notebooks/, with the project's tslab
// kernel (found through JUPYTER_PATH). Binds 127.0.0.1 only and keeps Jupyter's token authentication
// on: open the URL with the token that Jupyter prints.
import { spawn } from 'node:child_process';
import { join, dirname, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, JUPYTER_PATH: [join(root, 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(delimiter) };
const args = ['-m', 'notebook', '--ip=127.0.0.1', '--no-browser', `--notebook-dir=${join(root, 'notebooks')}`];
// Jupyter refuses to start as root unless told to; containers and CI machines often run as root.
if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--allow-root');
args.push(...process.argv.slice(2));
const child = spawn(process.env.RNNC_PYTHON || '/usr/bin/python3', args, { cwd: root, env, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
