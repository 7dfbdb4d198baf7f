export * from './config';
export * from './headlines';
export * from './table';
export * from './seeds';
export * from './results';
