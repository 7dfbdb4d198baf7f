/**
 * Figures for the course: builders that turn result rows (plain records or danfo DataFrames) into
 * plotly figures with the shared colours, `show` for tslab notebooks, and writers for HTML, JSON
 * and CSV files.
 */
export * from './types';
export * from './palette';
export * from './metric';
export { toRecords } from './records';
export * from './training-curves';
export * from './sparsity';
export * from './bits';
export * from './pareto';
export * from './histogram';
export * from './heatmap';
export * from './bytes';
export * from './plotly-source';
export * from './html';
export * from './show';
export * from './files';
export * from './seeds';
