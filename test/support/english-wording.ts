// Every test process words coded errors in English, as the CLI and the backend do.
import '../../electron/wording.js';
