/** The firewall's root script goes where apps cannot replace it (issue 13, M4). */
import { describe, expect, it } from 'vitest';
import { firewallPushPlan } from '../../../electron/jobs/panels/push.js';
import { IPTABLES_FILES } from '../../../native/panels/firewall.js';

describe('firewallPushPlan', () => {
    it('is pushed where apps cannot replace it, never to shared storage', () => {
        const plan = firewallPushPlan({ afwall: '/tmp/f/afwall-revive-private.json', apply: `/tmp/f/${IPTABLES_FILES.apply}` });
        const script = plan.find((p) => p.local.endsWith(IPTABLES_FILES.apply));
        expect(script?.remote).toMatch(/^\/data\/local\/tmp\//);
        for (const item of plan.filter((p) => p.remote !== script?.remote)) expect(item.remote).toMatch(/^\/sdcard\/afwall\//);
    });
});
