/** One app's network permissions in a firewall profile, as the backend builds it and the page edits it. */
export interface FirewallApp {
    readonly packageName: string;
    /** Android UID (user 0), needed for the iptables script; AFWall+ resolves it on the phone itself. */
    readonly uid: number | null;
    readonly wifi: boolean;
    readonly mobile: boolean;
    readonly vpn: boolean;
}
