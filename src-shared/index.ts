export const LAB_NAME = 'MBH Lab';
