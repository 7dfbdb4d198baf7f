#!/usr/bin/env node
// Provisions what `npm start`, `npm test` and `npm run notebook` need beyond node_modules:
// Debian's Jupyter packages (executing notebooks headlessly; the server with --server) and the
// project-local tslab kernelspec in jupyter/kernels/tslab. With --torch (`npm run bench:setup`) also
// Debian's PyTorch and OpenBLAS for the optional PyTorch reference of `npm run bench`.
// Idempotent: a second run only checks.
// Off Debian or without root it installs nothing and says exactly what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = process.env.RNNC_PYTHON || '/usr/bin/python3';
const wantServer = process.argv.includes('--server');
const wantBrowser = process.argv.includes('--browser');
const wantTorch = process.argv.includes('--torch');

const needs = [
  { what: 'notebook execution', modules: ['nbclient', 'nbconvert', 'jupyter_client', 'nbformat'], debs: ['jupyter-nbconvert', 'jupyter-client'], pip: ['nbclient', 'nbconvert', 'jupyter_client'] },
  // MathJax and RequireJS files that the exported HTML loads from file:///usr/share/javascript/.
  { what: 'offline HTML', files: ['/usr/share/javascript/mathjax/MathJax.js', '/usr/share/javascript/requirejs/require.min.js'], debs: ['libjs-mathjax', 'libjs-requirejs'] },
];
if (wantServer) needs.push({ what: 'the notebook server', modules: ['notebook'], debs: ['jupyter-notebook'], pip: ['notebook'] });
// Debian's torch links the generic libblas.so.3; without an OpenBLAS package installed that is the
// reference BLAS and the PyTorch timings come out about 10x too slow. libopenblas0-pthread is checked
// as a package because its library path depends on the architecture. A torch from pip (another
// interpreter through RNNC_PYTHON) brings its own BLAS.
const debianTorch = PYTHON === '/usr/bin/python3' && isDebian();
if (wantTorch) {
  needs.push({ what: 'the PyTorch reference of `npm run bench`', modules: ['torch'], installed: debianTorch ? ['libopenblas0-pthread'] : undefined, debs: ['python3-torch', 'libopenblas0-pthread'], pip: ['torch'] });
}

function log(msg) {
  console.log(`[setup] ${msg}`);
}

function fail(msg) {
  console.error(`[setup] ${msg}`);
  process.exit(1);
}

function pythonHas(modules) {
  if (!existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
  return r.status === 0;
}

function debsInstalled(debs) {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\n', ...debs], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().split('\n').every((s) => s === 'installed');
}

function isDebian() {
  try {
    const osr = readFileSync('/etc/os-release', 'utf8');
    return /^ID(_LIKE)?=.*debian/m.test(osr) && existsSync('/usr/bin/apt-get');
  } catch {
    return false;
  }
}

function aptInstall(debs, pip = []) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const cmd = `apt-get install -y --no-install-recommends ${debs.join(' ')}`;
  if (!isDebian() || !asRoot) {
    fail(
      `missing: ${debs.join(', ')}.\n` +
        (isDebian()
          ? `  Run as root:  apt-get update && ${cmd}\n`
          : `  This project takes Python packages from Debian. Elsewhere install them with pip:\n` +
            `    python3 -m pip install ${pip.join(' ')}\n` +
            `  and point the project at that interpreter: export RNNC_PYTHON=$(which python3)\n`) +
        `  See environment.md.`,
    );
  }
  log(`installing Debian packages: ${debs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...debs], { stdio: 'inherit', env });
}

const present = (n) =>
  (!n.modules || pythonHas(n.modules)) && (!n.files || n.files.every((f) => existsSync(f))) && (!n.installed || debsInstalled(n.installed));
const missing = needs.filter((n) => !present(n));
if (missing.length) aptInstall(missing.flatMap((n) => n.debs), missing.flatMap((n) => n.pip ?? []));
for (const n of needs) {
  const lacks = [n.modules && `the Python modules ${n.modules.join(', ')} in ${PYTHON}`, n.files?.join(', '), n.installed && `the Debian packages ${n.installed.join(', ')}`];
  if (!present(n)) fail(`${n.what} still lacks ${lacks.filter(Boolean).join(' or ')} after installing; see environment.md.`);
}

if (wantBrowser && !existsSync('/usr/bin/chromium')) aptInstall(['chromium', 'fonts-wqy-microhei']);

const kernelJson = join(root, 'jupyter', 'kernels', 'tslab', 'kernel.json');
if (!existsSync(kernelJson)) fail(`the project kernelspec ${kernelJson} is missing (it is committed in the repository).`);
if (!existsSync(join(root, 'node_modules', 'tslab', 'dist', 'main.js'))) fail('tslab is not installed: run `npm install` first.');
const which = spawnSync(PYTHON, ['-m', 'jupyter', 'kernelspec', 'list', '--json'], {
  env: { ...process.env, JUPYTER_PATH: join(root, 'jupyter') },
  encoding: 'utf8',
});
if (which.status !== 0 || !which.stdout.includes(join(root, 'jupyter', 'kernels', 'tslab'))) {
  fail(`Jupyter does not see the project kernelspec under ${join(root, 'jupyter')}:\n${which.stderr || which.stdout}`);
}
log(`ok: Jupyter (${PYTHON}) and the tslab kernelspec in jupyter/kernels/tslab`);
if (wantTorch) {
  const v = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  log(`ok: PyTorch ${v.stdout.trim()} (${PYTHON})${debianTorch ? ' with OpenBLAS (libopenblas0-pthread)' : ''}`);
}
