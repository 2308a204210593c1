/**
 * Every error code a person can meet, with the names of the facts its words use. The backend sends
 * a code and its facts, never a sentence; the words are in renderer/locales/{en,de}/translation.json
 * under `errors.<code>` (title, message, nextStep). The page words them in the person's language,
 * the command line in English from the same file. A code with `variants` has one message per
 * variant (`message_<variant>`), picked by the fact `variant`.
 */
export type FactValue = string | number | boolean;
export type ErrorFacts = Readonly<Record<string, FactValue>>;

export interface CodeShape {
    readonly facts: readonly string[];
    /** Facts only some variants use. */
    readonly optional?: readonly string[];
    readonly variants?: readonly string[];
}

const SPARSE_PROBLEMS = [
    'header-short', 'bad-magic', 'version', 'file-header-size', 'chunk-header-size', 'block-size', 'ends-in-chunk-header', 'chunk-type', 'file-ended', 'ends-in-header-at', 'raw-size', 'raw-past-end', 'fill-size', 'dont-care-size', 'blocks-covered', 'shorter-than-header', 'ends-in-header', 'ends-before-chunk', 'ends-in-chunk', 'chunk-past-blocks', 'raw-payload', 'fill-payload', 'dont-care-payload', 'crc-payload', 'crc-mismatch', 'trailing-data', 'piece-too-small', 'chunk-too-big', 'file-ended-before', 'wrote-other',
] as const;

/** What a path is when it is not a regular file. */
const FILE_TYPES = ['folder', 'character-device', 'block-device', 'pipe', 'socket', 'special'] as const;

/** What the host had asked an Odin bootloader when its answer did not fit, and the answer's numbers. */
const ODIN_ANSWER_FACTS = ['stage', 'partition', 'part', 'found', 'expected', 'reason', 'value', 'answer', 'size'] as const;

export const ERROR_CODES = {
    // Files on this computer.
    'checksum-mismatch': { facts: ['file', 'found', 'expected'], optional: ['path'], variants: ['typed', 'sidecar', 'recipe', 'gate-recipe', 'gate-typed', 'gate-sidecar', 'gate-download'] },
    'checksum-missing': { facts: ['file', 'phone'], optional: ['path', 'role', 'found'], variants: ['files', 'gate'] },
    // The gate: what each package says about itself against the phone and the ROM.
    'rom-signature-invalid': { facts: ['file', 'signer', 'problem'], optional: ['path', 'block', 'subjects'] },
    'package-signature-invalid': { facts: ['file', 'signer', 'problem'], optional: ['path', 'block', 'subjects'] },
    'signature-block-invalid': { facts: [], variants: ['truncated', 'length', 'oid', 'not-signed-data', 'empty', 'no-signer-infos', 'no-signer-info', 'signed-attributes', 'digest', 'no-signature'] },
    'rom-not-installable': { facts: ['file', 'entries'], optional: ['path'] },
    'rom-device-unknown': { facts: ['file', 'codename', 'phone', 'codenames'], optional: ['path'] },
    'rom-version-unknown': { facts: ['file'], optional: ['path'] },
    'gapps-unknown': { facts: ['file', 'arch', 'android'], optional: ['path'] },
    'gapps-wrong-arch': { facts: ['file', 'found', 'expected', 'android'], optional: ['path'] },
    'gapps-wrong-android': { facts: ['file', 'found', 'expected', 'arch', 'foundSdk', 'expectedSdk'], optional: ['path'] },
    'su-unknown': { facts: ['file', 'lineage', 'arch'], optional: ['path'] },
    'su-wrong-version': { facts: ['file', 'found', 'expected', 'arch'], optional: ['path'] },
    'su-wrong-arch': { facts: ['file', 'found', 'expected', 'lineage'], optional: ['path'] },
    'recovery-tar-not-odin': { facts: ['file', 'phone', 'codename', 'member'], optional: ['path'] },
    'recovery-not-image': { facts: ['file', 'phone', 'codename', 'partition', 'image'], optional: ['path', 'size', 'start', 'pageSize', 'declared', 'limit'], variants: ['short-file', 'not-boot-image', 'page-size', 'no-kernel', 'cut-short', 'too-large'] },
    'recovery-tar-no-image': { facts: ['file', 'members'], optional: ['path'], variants: ['others', 'empty'] },
    /** `problem` names what is wrong (`errorFacts.ramdiskProblems`); an LZ4 error brings its `cause` code and facts. */
    'recovery-ramdisk-damaged': { facts: ['image', 'problem'], optional: ['detail', 'text', 'limit', 'size', 'entry', 'cause', 'variant', 'file', 'produced', 'value'] },
    'gate-no-rom': { facts: [] },
    'resume-files-missing': { facts: ['files'] },
    'file-not-verified': { facts: ['role', 'phone'] },
    'files-missing': { facts: [] },
    'download-unknown': { facts: ['role', 'phone'] },
    'download-offline': { facts: ['file', 'role', 'manualPage'] },
    'download-withdrawn': { facts: ['file', 'role', 'phone', 'manualPage', 'note'] },
    'download-manual': { facts: ['file', 'role', 'phone', 'manualPage', 'note'] },
    'download-insecure-url': { facts: ['target', 'url'] },
    'download-insecure-redirect': { facts: ['from', 'target', 'url'] },
    'download-redirect-loop': { facts: ['url', 'limit'] },
    'download-untrusted-server': { facts: ['host', 'reason'] },
    'download-proxy-refused': { facts: ['proxy', 'target', 'status'] },
    /** HTTPS_PROXY (or https_proxy, HTTP_PROXY) names a proxy Revive cannot use; its value is never repeated (it may hold a password). */
    'download-proxy-invalid': { facts: ['variable'], optional: ['scheme'], variants: ['scheme', 'address'] },
    'checksum-malformed': { facts: ['file', 'found'], optional: ['path'] },
    'recipe-invalid': { facts: ['file', 'problems'], variants: ['schema', 'json'] },
    'zip-corrupt': { facts: ['file'], optional: ['path', 'problem', 'member', 'size', 'limit'], variants: ['unreadable', 'member-too-large'] },
    'zip-member-too-large': { facts: ['member', 'size', 'limit'] },
    /** Every source of a recipe file failed: the first two's fates (`reason`, the server's or library's `detail`) and how many others. */
    'download-failed': { facts: ['file', 'role', 'phone', 'manualPage', 'sources'], optional: ['url', 'reason', 'detail', 'url2', 'reason2', 'detail2', 'others'], variants: ['no-source', 'one', 'two', 'more'] },
    'upload-failed': { facts: ['file', 'cause'] },
    'upload-limit': { facts: ['limit'], variants: ['files', 'bytes'] },
    'upload-unknown': { facts: [] },
    'file-unknown': { facts: [] },
    'not-a-file': { facts: ['file'] },
    'file-too-large': { facts: ['file', 'kind', 'size', 'limit'] },
    'file-unreadable': { facts: ['file', 'kind'], optional: ['problem'], variants: ['missing', 'denied', 'other'] },
    'file-not-regular': { facts: ['file', 'kind'], variants: FILE_TYPES },
    'file-grew': { facts: ['file', 'kind'] },
    'file-missing': { facts: ['file'], variants: ['file', 'backup'] },
    'folder-unusable': { facts: ['folder', 'kind', 'at'], optional: ['problem'], variants: ['unreadable', 'not-folder', 'cannot-create'] },
    // The app and its jobs.
    'recipe-unknown': { facts: ['recipe'], optional: ['known'], variants: ['listed', 'named'] },
    'recipe-mismatch': { facts: ['connected', 'phone'] },
    'no-virtual-phone': { facts: [] },
    'virtual-busy': { facts: ['phone'] },
    'virtual-not-ready': { facts: [] },
    /** A silence bound's environment variable (native/jobs/silence-bounds.ts) that holds no whole number of milliseconds. */
    'silence-bound-invalid': { facts: ['variable', 'value'] },
    // The virtual phone's own refusals (its model, state folder, modes, partitions and faults).
    'virtual-no-model': { facts: [] },
    'virtual-state-mismatch': { facts: ['folder', 'found', 'expected'] },
    'virtual-state-invalid': { facts: ['file', 'problem'] },
    'virtual-mode-unsupported': { facts: ['phone', 'mode', 'modes'] },
    'virtual-battery-empty': { facts: [] },
    'virtual-pit-missing': { facts: ['recipe'] },
    'virtual-partition-unknown': { facts: ['partition', 'known'] },
    'partition-name-invalid': { facts: ['partition'] },
    'partition-overflow': { facts: ['partition', 'size', 'limit'], optional: ['offset'], variants: ['write', 'image'] },
    'fault-invalid': { facts: ['text', 'usage'], optional: ['value', 'commands', 'name'], variants: ['shape', 'bytes', 'command', 'battery', 'name', 'path'] },
    'job-unknown': { facts: ['jobId'] },
    'bad-name': { facts: ['kind', 'name'], variants: ['job', 'backup'] },
    'journal-exists': { facts: ['jobId', 'path'] },
    'journal-missing': { facts: ['path'] },
    'journal-damaged': { facts: [], optional: ['jobId', 'line', 'path'], variants: ['no-header', 'line'] },
    'job-running': { facts: [] },
    'job-not-started': { facts: [] },
    'device-busy': { facts: [] },
    'device-gone': { facts: [] },
    'question-gone': { facts: [] },
    'question-file-unchecked': { facts: [] },
    'instruction-gone': { facts: [] },
    'bad-request': { facts: ['command', 'problems'] },
    'unknown-command': { facts: ['command'] },
    'bridge-closed': { facts: [] },
    refused: { facts: [] },
    'backup-folder-unknown': { facts: [] },
    'backup-folder-gone': { facts: ['path'] },
    'backup-folder-not-opened': { facts: ['path', 'problem'] },
    cancelled: { facts: ['what'], optional: ['partition', 'blocksSent', 'blocksTotal', 'jobId', 'file'], variants: ['check', 'download', 'fetch', 'fastboot', 'fastboot-partial', 'adb-connect', 'adb-send', 'sideload', 'sideload-installing', 'panel', 'upgrade', 'backup', 'backup-kept', 'restore'] },
    // Finding the phone and its model.
    'device-ref-invalid': { facts: ['text', 'example'], optional: ['scheme'], variants: ['empty', 'host-port', 'virtual', 'busid', 'usb-port', 'serial'] },
    'usbip-device-busy': { facts: ['address', 'busid'] },
    'usbip-address-invalid': { facts: ['text'] },
    'usbip-import-refused': { facts: ['address', 'busid'] },
    'adb-no-device': { facts: [], optional: ['serial', 'port', 'server', 'busid', 'usb'], variants: ['usb', 'serial', 'port', 'usbip', 'usbip-busid'] },
    'fastboot-no-device': { facts: [], optional: ['serial', 'port', 'server', 'busid', 'usb'], variants: ['usb', 'serial', 'port', 'usbip', 'usbip-busid'] },
    'odin-no-device': { facts: [], optional: ['serial', 'port', 'server', 'busid', 'usb'], variants: ['usb', 'serial', 'port', 'usbip', 'usbip-busid'] },
    'device-ambiguous': { facts: ['count'] },
    'device-ref-not-usb': { facts: ['address', 'protocol'] },
    'virtual-wrong-mode': { facts: ['phone', 'mode', 'protocol'] },
    'adb-no-answer': { facts: ['seconds'], optional: ['target', 'service'], variants: ['handshake', 'open'] },
    'adb-not-allowed': { facts: ['seconds'] },
    'adb-protocol': { facts: ['problem'] },
    'adb-no-interface': { facts: ['product'] },
    'adb-disconnected': { facts: ['activity'], optional: ['command', 'file', 'remote'] },
    'adb-unreachable': { facts: ['address'] },
    /** The last try's error (`cause`) and its facts travel along, and its words go inside these. */
    'adb-not-back': { facts: ['wanted', 'cause'], optional: ['variant'] },
    'adb-other-mode': { facts: ['found'] },
    'usbip-unreachable': { facts: ['address'], optional: ['problem', 'seconds'], variants: ['socket', 'timeout', 'cancelled'] },
    'fastboot-tcp-connect': { facts: ['address'], optional: ['problem', 'seconds', 'found'], variants: ['socket', 'timeout', 'cancelled', 'closed', 'handshake'] },
    // USB access: who holds the phone, or what the system denies (the phone by name, or by USB id).
    'usb-held-by-adb': { facts: ['naming', 'name', 'usbId'] },
    'usb-held-by-cdc-acm': { facts: ['naming', 'name', 'usbId', 'interfaces', 'first'] },
    'usb-permission': { facts: ['naming', 'name', 'usbId', 'rules'], variants: ['linux', 'other'] },
    'usb-busy': { facts: ['naming', 'name', 'usbId'] },
    // adb: files and apps on the phone.
    'adb-stalled': { facts: ['remote', 'bytesDone', 'seconds'], optional: ['file'], variants: ['send', 'fetch'] },
    'adb-battery-unknown': { facts: [] },
    'push-mismatch': { facts: ['file', 'remote', 'expected', 'found'], optional: ['path'] },
    'push-refused': { facts: ['file', 'remote', 'phoneSaid'], variants: ['push', 'restore'] },
    'adb-hash-failed': { facts: ['remote'], optional: ['phoneSaid', 'exitCode'], variants: ['said', 'status'] },
    'adb-no-such-file': { facts: ['remote'] },
    'apk-install-failed': { facts: ['file', 'phoneSaid'], optional: ['path'] },
    'adb-not-recovery': { facts: [] },
    'sideload-not-zip': { facts: ['file', 'size'], optional: ['path'] },
    'sideload-not-flashable': { facts: ['file'], optional: ['path'] },
    'sideload-no-verdict': { facts: ['file', 'blocksSent', 'blocksTotal', 'minutes'], optional: ['path'] },
    'sideload-stalled': { facts: ['file', 'blocksSent', 'blocksTotal', 'seconds'], optional: ['path'] },
    'sideload-interrupted': { facts: ['file', 'blocksSent', 'blocksTotal'], optional: ['path'] },
    'sideload-protocol': { facts: ['file'], optional: ['request', 'block'], variants: ['request', 'past-end'] },
    'sideload-refused': { facts: ['file'], optional: ['path', 'twrpSaid'], variants: ['said', 'other-phone', 'screen'] },
    'phone-not-found': { facts: ['mode', 'seconds'] },
    'phone-never-appeared': { facts: ['where', 'seconds'], variants: ['usbip', 'port', 'serial'] },
    'person-not-there': { facts: ['mode', 'seconds'] },
    'phone-mismatch': { facts: ['expected', 'found', 'phone'], variants: ['android', 'bootloader'] },
    'rom-wrong-device': { facts: ['file', 'fileName', 'phone', 'found'] },
    'recovery-wrong-device': { facts: ['fileName', 'found', 'phone'], optional: ['file', 'expected', 'propFile'] },
    'odin-wrong-phone': { facts: ['phone', 'found', 'expected', 'partition'], variants: ['chip', 'no-partition', 'partition-size'] },
    // The upgrade's own steps.
    'battery-low': { facts: ['phone', 'min', 'found'] },
    'battery-declined': { facts: ['phone', 'min'] },
    'unlock-declined': { facts: [], variants: ['oem-toggle', 'unlock'] },
    'unlock-failed': { facts: ['answer'] },
    'recovery-not-twrp': { facts: [] },
    'recovery-silent': { facts: ['seconds'] },
    /** `stranded`: the phone still waits in the menu of the silent stock recovery the job restarted it into (nobody led it out); `back`: otherwise. */
    'twrp-image-needed': { facts: ['phone', 'partition'], variants: ['back', 'stranded'] },
    'twrp-write-declined': { facts: ['partition'], variants: ['back', 'stranded'] },
    'wipe-declined': { facts: [] },
    'wipe-failed': { facts: ['command', 'twrpSaid'] },
    'install-failed': { facts: ['file'], optional: ['path', 'twrpSaid'], variants: ['said', 'silent'] },
    'install-unconfirmed': { facts: ['file', 'build'] },
    'system-unexpected': { facts: ['expected', 'found', 'android'] },
    'backup-required': { facts: [] },
    'backup-failed': { facts: ['twrpSaid', 'folder'], variants: ['twrp', 'empty', 'archive-empty'] },
    'backup-mismatch': { facts: ['file', 'name', 'expected', 'found'], optional: ['twrp', 'partition', 'device'], variants: ['twrp-file', 'partition', 'partition-unchecked', 'archive-twrp', 'archive-partition'] },
    'backup-raw-missing': { facts: ['partition'] },
    'unsafe-file-name': { facts: ['file', 'folder'] },
    'file-exists': { facts: ['file'] },
    'storage-copy-mismatch': { facts: ['file', 'name', 'expected', 'found'] },
    // Backups: encrypting, writing, reading and restoring them.
    'age-wrong-passphrase': { facts: [] },
    'age-bad-header': {
        facts: [],
        optional: ['field', 'version', 'logN', 'max'],
        variants: [
            'passphrase-mixed', 'file-key-size', 'mac-mismatch', 'ends-in-header', 'not-base64', 'not-canonical', 'line-too-long', 'not-age', 'version', 'no-stanza', 'mac-size', 'bad-line', 'bad-arguments',
            'body-line-long', 'header-too-long', 'recipient-low-order', 'scrypt-arguments', 'scrypt-salt', 'scrypt-work-factor', 'scrypt-too-costly', 'scrypt-body', 'x25519-arguments', 'x25519-share', 'x25519-body', 'x25519-low-order',
        ],
    },
    'age-bad-payload': { facts: [], optional: ['chunk', 'plaintextOffset', 'to'], variants: ['chunk-short', 'bytes-after-final', 'last-chunk-auth', 'chunk-auth', 'final-empty'] },
    'age-truncated': { facts: ['plaintextBytes'] },
    'age-no-identity': { facts: [], variants: ['identity', 'mixed'] },
    'age-no-recipient': { facts: [] },
    'age-passphrase-alone': { facts: [] },
    'age-bad-recipient': { facts: ['text'] },
    'age-bad-identity': { facts: [], optional: ['line'], variants: ['line', 'empty'] },
    'backup-empty': { facts: [] },
    'backup-needs-twrp': { facts: [], optional: ['state'], variants: ['android', 'other'] },
    'backup-unknown-part': { facts: ['partitions', 'available'] },
    'backup-bad-entry-name': { facts: ['name'] },
    'backup-bad-name': { facts: ['name', 'suffix'] },
    'backup-exists': { facts: ['file'] },
    'backup-size-changed': { facts: ['name', 'size'], optional: ['written'], variants: ['grew', 'short'] },
    'backup-duplicate-part': { facts: ['name'] },
    'backup-changed': { facts: ['name'] },
    'restore-check-failed': { facts: ['found', 'expected'] },
    'backup-weak-passphrase': { facts: [] },
    /** An upgrade whose backup is still to be written, started or continued without the passphrase that locks it. */
    'backup-passphrase-needed': { facts: [], variants: ['start', 'resume'] },
    /** An upgrade with a backup to write and nothing to lock it: Revive keeps no key beside an archive. `cli`: no terminal to ask at; `counter`: no shop key; `desk`: the app's counter without a shop folder; `job`: a caller that gave none. */
    'backup-lock-needed': { facts: [], variants: ['cli', 'counter', 'desk', 'job'] },
    'backup-bootloader-locked': { facts: ['phone'], variants: ['wipes', 'keeps'] },
    'backup-storage-needs-android': { facts: ['state'] },
    'backup-unknown-phone': { facts: ['model', 'device'], variants: ['backup', 'restore'] },
    'backup-folder-empty': { facts: ['folder'] },
    /** `place`: in the entry `part`, after it, or at the archive's start; an age error (`problem: age`) brings its `cause` code and facts. */
    'backup-damaged': { facts: ['part', 'place', 'problem'], optional: ['size', 'expected', 'found', 'algorithm', 'digestFile', 'cause', 'variant', 'field', 'version', 'logN', 'max', 'chunk', 'plaintextOffset', 'to', 'plaintextBytes'] },
    'backup-several-folders': { facts: ['first', 'second'] },
    'backup-disk-full': { facts: ['folder'] },
    'backup-write-failed': { facts: ['folder', 'problem'] },
    'backup-not-found': { facts: ['file', 'folder'] },
    'travel-clean-refused': { facts: ['file'], variants: ['not-verified', 'other-phone'] },
    // The command line's own refusals.
    'journal-incomplete': { facts: ['jobId'] },
    'receipt-missing': { facts: ['file'] },
    // The repair shop's folder and the counter.
    'shop-invalid': { facts: ['dir'], optional: ['keyId'], variants: ['file', 'key', 'key-other', 'recipient'] },
    'shop-exists': { facts: ['dir'] },
    'shop-no-backup-key': { facts: ['dir'], variants: ['none', 'unreadable'] },
    'shop-name-missing': { facts: [] },
    'shop-folder-relative': { facts: ['dir'] },
    'shop-not-set': { facts: [] },
    'receipt-not-written': { facts: [], optional: ['problem'], variants: ['never-reached', 'no-journal', 'failed'] },
    'lane-busy': { facts: [] },
    'lane-unknown': { facts: [] },
    /** Each phone by its name (its recipe's, else its model number), the model number it reports, and its codename. */
    'restore-other-model': { facts: ['backupName', 'backupModel', 'backupCodename', 'phoneName', 'phoneModel', 'phoneCodename'] },
    'restore-unknown-model': { facts: ['folder', 'serial'] },
    'restore-unknown-part': { facts: ['partitions', 'available'], variants: ['some', 'no-twrp'] },
    'restore-encryption-mismatch': { facts: [], variants: ['backup-encrypted', 'phone-encrypted'] },
    'restore-no-raw-state': { facts: [] },
    'restore-raw-no-device': { facts: ['part', 'partition'] },
    'restore-raw-unconfirmed': { facts: ['partitions'], variants: ['flag', 'typed'] },
    'restore-raw-mismatch': { facts: ['partition', 'device', 'expected', 'found'], variants: ['copy', 'write', 'readback'] },
    // TWRP, driven over adb.
    'twrp-bad-letters': { facts: ['letters'] },
    'twrp-not-running': { facts: [], optional: ['mode'], variants: ['mode', 'unauthorized', 'no-twrp'] },
    'twrp-failed': { facts: ['command'], optional: ['twrpSaid', 'exitCode'], variants: ['said', 'status', 'unconfirmed'] },
    'twrp-no-backup': { facts: ['name', 'remote'] },
    'twrp-password-needed': { facts: ['file', 'folder'] },
    'twrp-password-wrong': { facts: ['file'] },
    'twrp-encrypted-damaged': { facts: ['file'], optional: ['offset', 'digestFile', 'expected', 'found'], variants: ['header', 'length', 'padding', 'digest'] },
    'twrp-backup-digest': { facts: ['backup', 'localDir'], optional: ['files', 'unsigned'], variants: ['empty', 'mismatch', 'unsigned', 'mixed'] },
    'adb-list-failed': { facts: ['remote', 'phoneSaid'] },
    'show-failed': { facts: ['phoneSaid'] },
    // Following a phone through its restarts.
    'device-unfollowable': { facts: ['phone', 'mode'] },
    'device-ref-unfollowable': { facts: ['address'] },
    'tcp-mode-needs-usb': { facts: ['address'], variants: ['bootloader', 'download'] },
    'tcp-stock-recovery': { facts: ['phone', 'address'], variants: ['back', 'stranded'] },
    'phone-no-recipe': { facts: ['manufacturer', 'product', 'usbId'] },
    'device-twice': { facts: ['address'] },
    'file-changed': { facts: ['file', 'expected', 'found'], optional: ['path'] },
    // Samsung download mode: a flash cut short, and the session around it.
    'odin-disconnected': { facts: [], optional: ['partition', 'done', 'total', 'finished', 'bytesDone', 'bytesTotal'], variants: ['flash', 'flash-after', 'start', 'end', 'pit', 'pit-end', 'reboot', 'prepare'] },
    'odin-timeout': { facts: [], optional: ['partition', 'done', 'total', 'finished', 'bytesDone', 'bytesTotal'], variants: ['flash', 'flash-after', 'start', 'end', 'pit', 'pit-end', 'reboot', 'prepare'] },
    'odin-usb-failed': { facts: ['problem'], optional: ['finished'], variants: ['start', 'end', 'pit', 'pit-end', 'reboot', 'prepare'] },
    'odin-handshake': { facts: ['answer'], optional: ['expected'], variants: ['silent', 'other'] },
    'odin-partition-unknown': { facts: ['partition', 'known'], optional: ['fileName'], variants: ['name', 'file-name'] },
    'odin-nothing-to-flash': { facts: ['skipped'], variants: ['no-files', 'none-fit'] },
    'odin-repartition-unconfirmed': { facts: [] },
    'odin-file-empty': { facts: ['file', 'partition'] },
    'odin-too-large': { facts: ['size'], variants: ['one-file', 'all-files'] },
    'odin-file-too-large': { facts: ['file', 'size', 'partition', 'limit'] },
    'odin-source-short': { facts: ['file', 'bytes', 'size'], variants: ['changed', 'damaged'] },
    'odin-image-unusable': { facts: ['file'], optional: ['problem'], variants: ['missing', 'denied', 'other', ...FILE_TYPES] },
    'odin-cancelled': { facts: ['partition', 'done', 'total'], optional: ['finished', 'bytesDone', 'bytesTotal'], variants: ['first', 'after'] },
    /** A flash cut short by another error: its code (`cause`) and facts travel along, and its words go inside these. */
    'odin-flash-failed': { facts: ['partition', 'done', 'total', 'cause', 'before'], optional: ['finished', 'bytesDone', 'bytesTotal', 'variant'] },
    'odin-protocol': { facts: [], optional: ODIN_ANSWER_FACTS, variants: ['reply-size', 'refused', 'wrong-type', 'part-size', 'total-bytes', 'pit-size', 'pit-too-long', 'pit-short', 'part-ack'] },
    'odin-packet-invalid': { facts: [], optional: ['kind', 'size', 'found', 'type', 'request', 'destination'], variants: ['no-layout', 'command-size', 'unknown-command', 'destination', 'reply-size'] },
    // fastboot.
    'bootloader-locked': { facts: ['command', 'phoneSaid'] },
    'image-too-large': { facts: ['imageBytes'], optional: ['command', 'partition', 'phoneSaid', 'partitionBytes', 'file', 'limit'], variants: ['phone-said', 'partition', 'download'] },
    'image-changed': { facts: ['sent', 'announced'] },
    'slot-missing': { facts: ['partition', 'slot'] },
    'slot-unknown': { facts: ['partition'] },
    'partition-unknown': { facts: ['command', 'partition', 'phoneSaid'] },
    'declined-on-phone': { facts: ['command', 'phoneSaid'] },
    'fastboot-unsupported': { facts: ['command', 'phoneSaid'] },
    'fastboot-failed': { facts: ['command', 'phoneSaid'] },
    'fastboot-timeout': { facts: ['command', 'partition', 'seconds'], variants: ['whole', 'partial'] },
    'fastboot-disconnected': { facts: ['command', 'partition'], variants: ['whole', 'partial'] },
    'fastboot-protocol': { facts: ['command', 'partition', 'problem'], variants: ['whole', 'partial'] },
    'fastboot-connection-dropped': { facts: ['command'] },
    'usb-error': { facts: ['command', 'partition', 'problem'], variants: ['whole', 'partial'] },
    // The panels: apps, firewall, VPN and keys, and the files they send to the phone.
    'apps-none': { facts: [] },
    'firewall-input': { facts: [], optional: ['name', 'packageName', 'uid', 'packages'], variants: ['profile-name', 'not-package', 'listed-twice', 'not-installed', 'bad-uid', 'uid-unknown'] },
    'wireguard-input': { facts: [], optional: ['text'], variants: ['private-key', 'server-public-key', 'preshared-key', 'tunnel-name', 'tunnel-address', 'allowed-ips', 'endpoint', 'dns', 'no-address', 'keepalive', 'key-pair'] },
    'openpgp-input': { facts: [], optional: ['index', 'email', 'days'], variants: ['no-identity', 'empty-identity', 'bad-email', 'reserved-characters', 'no-passphrase', 'expiry'] },
    'panel-result-unknown': { facts: [], variants: ['send', 'remove'] },
    'phone-not-in-android': { facts: [] },
    'key-file-unreadable': { facts: ['file'], variants: ['secret', 'old-secret'] },
    'keys-no-secret': { facts: [] },
    'keys-not-secret': { facts: ['file'] },
    'keys-unprotected': { facts: ['file'] },
    'firewall-not-afwall': { facts: ['file'] },
    'firewall-no-packages': { facts: [] },
    'keys-not-public': { facts: ['file'], variants: ['secret', 'other'] },
    'sideload-checksum': { facts: ['file', 'found', 'expected'] },
    // A repair shop's folder, keys and receipts.
    'pdf-unavailable': { facts: [] },
    'pdf-failed': { facts: ['html', 'pdf'], optional: ['problem'], variants: ['failed', 'no-pdf'] },
    'key-missing': { facts: ['file', 'keyFile'] },
    'key-invalid': { facts: ['file', 'keyFile'] },
    'date-invalid': { facts: ['flag', 'text'] },
    'days-invalid': { facts: ['days'] },
    /** A file a command was given that cannot be read. */
    'cli-file-unreadable': { facts: ['file'], variants: ['key', 'afwall', 'wireguard'] },
    /** The file on this computer changed between its check and its sending. */
    'push-file-changed': { facts: ['file', 'path', 'remote', 'expected', 'found'] },
    'remove-failed': { facts: ['remote'] },
    'openpgp-not-a-secret-key': { facts: ['problem'] },
    'openpgp-wrong-passphrase': { facts: ['fingerprint'] },
    'apk-no-checksum': { facts: ['file'] },
    'apk-not-attempted': { facts: ['file'], variants: ['cancelled', 'other-refused'] },
    'apk-mismatch': { facts: ['file', 'expected', 'found'] },
    'apk-not-apk': { facts: ['file'], variants: ['not-zip', 'no-manifest', 'unsigned'] },
    /** Nothing was installed: the first refusal's code (`cause`) and facts travel along, and its words go inside these. */
    'apk-checksum': { facts: ['cause', 'refused', 'others'], optional: ['variant'] },
    // Format errors the codecs throw: what is wrong, in numbers; the words are in the locale.
    'pit-invalid': { facts: ['file'], optional: ['size', 'limit', 'count', 'value'], variants: ['too-large', 'too-short', 'bad-magic', 'too-many', 'truncated'] },
    'pit-name-invalid': { facts: ['field', 'name', 'limit'], variants: ['too-long', 'bad-character'] },
    'lz4-invalid': {
        facts: ['file'],
        optional: ['produced', 'value', 'limit'],
        variants: [
            'no-frame-magic', 'header-short', 'empty', 'magic-cut', 'skippable-cut', 'bad-frame-magic', 'no-legacy-magic', 'ends-in-block-header', 'legacy-block-too-big',
            'ends-in-block', 'frame-version', 'dictionary', 'block-size-code', 'header-checksum', 'block-too-big', 'block-checksum', 'content-too-long', 'content-size',
            'content-checksum-cut', 'content-checksum', 'length-past-end', 'no-last-literals', 'literals-past-end', 'past-limit', 'offset-cut', 'offset-before-start',
        ],
    },
    'firmware-md5-missing': { facts: ['file'] },
    'firmware-unsafe-path': { facts: ['file', 'member'] },
    'firmware-truncated': { facts: ['file', 'byte'], optional: ['member'], variants: ['no-end', 'extended', 'member'] },
    'firmware-damaged': { facts: ['file', 'byte'] },
    'firmware-absurd-size': { facts: ['file', 'byte', 'size'], variants: ['member', 'extended'] },
    'firmware-md5-mismatch': { facts: ['file', 'expected', 'found'] },
    'sparse-invalid': { facts: ['file'], optional: ['chunk', 'chunks', 'found', 'expected'], variants: SPARSE_PROBLEMS },
    /** A sparse problem found by the check before sending: the same words, and that nothing was sent. */
    'sparse-refused': { facts: ['file'], optional: ['chunk', 'chunks', 'found', 'expected'], variants: SPARSE_PROBLEMS },
    // Files and folders on this computer, from the operating system's error.
    'file-enoent': { facts: ['file'] },
    'file-eisdir': { facts: ['file'] },
    'file-enotdir': { facts: ['file'] },
    'file-eexist': { facts: ['file'] },
    'file-eacces': { facts: ['file'] },
    'file-eperm': { facts: ['file'] },
    'file-enospc': { facts: ['file'] },
    'file-erofs': { facts: ['file'] },
    /** A failure Revive has no words for (a bug, or a library's own message in `problem`). */
    unexpected: { facts: ['problem'] },
} as const satisfies Readonly<Record<string, CodeShape>>;

export type ErrorCode = keyof typeof ERROR_CODES;
type Shape<C extends ErrorCode> = (typeof ERROR_CODES)[C];
type VariantFact<C extends ErrorCode> = Shape<C> extends { readonly variants: readonly (infer V)[] } ? { readonly variant: V } : unknown;
type OptionalFacts<C extends ErrorCode> = Shape<C> extends { readonly optional: readonly (infer O extends string)[] } ? { readonly [K in O]?: FactValue } : unknown;
/** The facts one code needs, by name (plus its variant where it has several messages). */
export type FactsOf<C extends ErrorCode> = { readonly [K in Shape<C>['facts'][number]]: FactValue } & OptionalFacts<C> & VariantFact<C>;

export function isErrorCode(code: string): code is ErrorCode {
    return Object.hasOwn(ERROR_CODES, code);
}

/** The locale keys and interpolation values that word one error (the page and the CLI use the same). */
export function errorKeys(code: string, facts: ErrorFacts): { title: string; message: string; nextStep: string; values: Record<string, FactValue> } {
    const variant = facts['variant'];
    const values: Record<string, FactValue> = { ...facts };
    if (typeof variant === 'string') values['context'] = variant;
    return { title: `errors.${code}.title`, message: `errors.${code}.message`, nextStep: `errors.${code}.nextStep`, values };
}
