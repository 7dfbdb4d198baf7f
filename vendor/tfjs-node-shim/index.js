// danfojs-node requires '@tensorflow/tfjs-node' for its tensor maths. The real package downloads
// libtensorflow at install time, which is not always possible, so danfo gets the pure-JS core
// instead: the very same module instance the project uses, hence the same registered back end.
module.exports = require('@tensorflow/tfjs');
