// Starts the tslab kernel with the project root as its working directory.
// tslab treats the kernel's working directory as the TypeScript source root, so notebooks in
// notebooks/ can `import ... from "./src/..."` only when the kernel runs from the project root.
// This file sits in <root>/jupyter/kernels/tslab/, hence three levels up.
const path = require('path');
const root = path.resolve(__dirname, '..', '..', '..');
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('launch.cjs: expected the Jupyter connection file as the first argument');
  process.exit(2);
}
process.chdir(root);
let tslabMain;
try {
  tslabMain = require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js'));
} catch (err) {
  console.error(`launch.cjs: tslab is not installed under ${root}/node_modules; run \`npm install\` there first.`);
  process.exit(2);
}
process.argv = [process.argv[0], 'tslab', 'kernel', '--config-path', path.resolve(connectionFile)];
tslabMain.main();
