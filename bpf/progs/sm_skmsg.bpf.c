/* sk_msg on sm_sockhash_v1 (optional fast path, SM_CFG_SKMSG): a payload sent on one end of an
 * agent<->waypoint connection is placed straight into the peer socket's receive queue, skipping the
 * loopback TCP stack. Sockets not in the map never reach this program. */
#include "common.h"

SEC("sk_msg")
int sm_skmsg(struct sk_msg_md *msg)
{
	/* Unconditional reads keep each ctx access at a constant offset (see sm_sockops.bpf.c). */
	__u32 family = SM_LOAD(msg->family), rip4 = SM_LOAD(msg->remote_ip4), lip4 = SM_LOAD(msg->local_ip4);
	__u32 r0 = SM_LOAD(msg->remote_ip6[0]), r1 = SM_LOAD(msg->remote_ip6[1]), r2 = SM_LOAD(msg->remote_ip6[2]), r3 = SM_LOAD(msg->remote_ip6[3]);
	__u32 l0 = SM_LOAD(msg->local_ip6[0]), l1 = SM_LOAD(msg->local_ip6[1]), l2 = SM_LOAD(msg->local_ip6[2]), l3 = SM_LOAD(msg->local_ip6[3]);
	__u32 rport = SM_LOAD(msg->remote_port), lport = SM_LOAD(msg->local_port);
	struct sm_sock_pair peer = {};
	/* The peer's key is ours with local and remote swapped. */
	if (family == SM_AF_INET) {
		sm_map_v4(peer.local_addr, rip4);
		sm_map_v4(peer.remote_addr, lip4);
	} else {
		peer.local_addr[0] = r0;
		peer.local_addr[1] = r1;
		peer.local_addr[2] = r2;
		peer.local_addr[3] = r3;
		peer.remote_addr[0] = l0;
		peer.remote_addr[1] = l1;
		peer.remote_addr[2] = l2;
		peer.remote_addr[3] = l3;
	}
	/* remote_port arrives as the big-endian port shifted into the upper half; local_port is host order. */
	peer.local_port = (__u16)(rport >> 16);
	peer.remote_port = bpf_htons((__u16)lport);
	if (bpf_msg_redirect_hash(msg, &sm_sockhash_v1, &peer, BPF_F_INGRESS) == SK_PASS)
		sm_count(SM_STAT_SKMSG_REDIRECT);
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
