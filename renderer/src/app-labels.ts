/**
 * The names people know apps by, for package names Android lists (`pm list packages` gives no
 * labels): the system apps of the phones Revive upgrades (stock Samsung and Google, LineageOS,
 * Google's apps) and the privacy apps its panels suggest. Each maps to a key under `appLabels` in
 * the locale files; an app not listed here is shown by its package name alone.
 */
const LABELS: Readonly<Record<string, string>> = {
    android: 'androidSystem',
    'com.android.phone': 'phoneServices',
    'com.android.settings': 'settings',
    'com.android.systemui': 'systemUi',
    'com.android.providers.contacts': 'contactsStorage',
    'com.android.providers.downloads': 'downloadManager',
    'com.android.dialer': 'phone',
    'com.google.android.dialer': 'phone',
    'com.android.messaging': 'messages',
    'com.android.chrome': 'chrome',
    'com.android.vending': 'playStore',
    'com.google.android.gms': 'playServices',
    'com.google.android.gsf': 'googleServicesFramework',
    'com.google.android.apps.nexuslauncher': 'pixelLauncher',
    'com.sec.android.app.launcher': 'samsungHome',
    'com.sec.android.app.sbrowser': 'samsungInternet',
    'com.samsung.android.email.provider': 'samsungEmail',
    'org.lineageos.jelly': 'lineageBrowser',
    'org.lineageos.trebuchet': 'lineageHome',
    'org.lineageos.updater': 'lineageUpdater',
    'org.fdroid.fdroid': 'fdroid',
    'org.thoughtcrime.securesms': 'signal',
    'org.mozilla.focus': 'firefoxFocus',
    'org.mozilla.firefox': 'firefox',
    'com.wireguard.android': 'wireguard',
    'org.sufficientlysecure.keychain': 'openKeychain',
    'com.fsck.k9': 'k9Mail',
    'dev.ukanth.ufirewall': 'afwall',
    'org.torproject.android': 'orbot',
};

/** The locale key of an app's name, or undefined when Revive does not know the package. */
export function appLabelKey(packageName: string): string | undefined {
    const id = LABELS[packageName];
    return id ? `appLabels.${id}` : undefined;
}
