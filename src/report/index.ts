export * from './config';
export * from './headlines';
export * from './table';
export * from './results';
