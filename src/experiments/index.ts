export * from './baselines';
export * from './measure';
