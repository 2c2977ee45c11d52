// Where the failure converter lives: Temporal takes it by path (see failure-converter.cjs for why a path).
import { fileURLToPath } from 'node:url';

export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));
