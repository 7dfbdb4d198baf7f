export * from './config';
export * from './headlines';
