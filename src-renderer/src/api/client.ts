/** The api client lives in src-shared (the command line uses it too). */
export { createClient, type LabClient } from '../../../src-shared/api/client.ts';
