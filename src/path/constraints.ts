/**
 * The documented constraints an upgrade path must meet, each with the Palette page (or the page it points
 * to) it comes from. The path search names them in its output and in its errors.
 */
export interface PathConstraint {
  id: PathConstraintId;
  /** What it says, in one line. */
  rule: string;
  /** Where it comes from: page and section. */
  source: string;
  /** Where the documentation is silent or says it only by reference: what edgesim assumes. */
  assumption?: string;
}

export const PATH_CONSTRAINT_IDS = [
  "no-downgrade",
  "no-minor-skip",
  "version-listed",
  "skip-worker-skew",
  "skip-worker-distribution",
  "one-revision",
  "image-kubernetes",
  "cni-switch",
  "storage-switch",
] as const;
export type PathConstraintId = (typeof PATH_CONSTRAINT_IDS)[number];

const NODE_POOL =
  "spectrocloud/librarium docs/docs-content/clusters/cluster-management/node-pool.md, section 'Skip Worker Node Update'";
const UPGRADE_BEHAVIOR =
  "spectrocloud/librarium docs/docs-content/clusters/edge/cluster-management/upgrade-behavior.md";
const SYSEXT =
  "spectrocloud/librarium docs/docs-content/clusters/edge/edgeforge-workflow/palette-canvos/build-provider-images/systemd-extensions.md, section 'Patch the Operating System and Upgrade Kubernetes'";
const PROVIDER_IMAGES =
  "spectrocloud/librarium docs/docs-content/clusters/edge/edgeforge-workflow/palette-canvos/build-provider-images.md (provider images are built per Kubernetes version; CanvOS tags them DISTRIBUTION-K8S_VERSION-PE_VERSION-TAG)";
const RELEASE_NOTES =
  "spectrocloud/librarium docs/docs-content/release-notes/release-notes.md, section 'Release 4.9.22' > 'Edge' > 'Features'";

export const PATH_CONSTRAINTS: Record<PathConstraintId, PathConstraint> = {
  "no-downgrade": {
    id: "no-downgrade",
    rule: "the Kubernetes version never goes down",
    source: `${NODE_POOL} (Palette enforces the Kubernetes version skew policy it links: kubernetes.io/releases/version-skew-policy)`,
    assumption:
      "the Palette pages read do not say it in words; edgesim follows the Kubernetes version skew policy they link, which supports upgrades only",
  },
  "no-minor-skip": {
    id: "no-minor-skip",
    rule: "a profile revision raises Kubernetes by at most one minor version",
    source: `${NODE_POOL} (the Kubernetes version skew policy it links: kube-apiserver instances must not skip a minor version)`,
    assumption:
      "the Palette pages read do not say it in words; edgesim follows the Kubernetes version skew policy they link (kubeadm: skipping MINOR versions when upgrading is unsupported)",
  },
  "version-listed": {
    id: "version-listed",
    rule: "every Kubernetes version of the path is one the versions list says exists",
    source: "the --versions list (the pack versions your registry has)",
  },
  "skip-worker-skew": {
    id: "skip-worker-skew",
    rule: 'a pool with "skip worker node update" stays at most three minor versions behind the control plane, and turning the toggle off catches it up with one repave',
    source: `${NODE_POOL} (and 'Upgrade a Skipped Worker Pool'); ${UPGRADE_BEHAVIOR}, section 'Decoupled Control Plane and Worker Node Upgrades'; ${RELEASE_NOTES}`,
  },
  "skip-worker-distribution": {
    id: "skip-worker-distribution",
    rule: '"skip worker node update" exists for PXK-E (and Canonical Kubernetes) Edge Native clusters, not K3s or RKE2',
    source: NODE_POOL,
  },
  "one-revision": {
    id: "one-revision",
    rule: "an OS patch and a Kubernetes bump in one profile revision cost one repave per node; in two revisions, two",
    source: SYSEXT,
  },
  "image-kubernetes": {
    id: "image-kubernetes",
    rule: "a provider image whose uri names a Kubernetes version (k3s-1.32.2-…) runs with that version only: a revision never pairs it with another",
    source: PROVIDER_IMAGES,
    assumption:
      "an image uri naming no version listed is not restricted; a provider image carries its Kubernetes, so pairing it with another version would rely on a Kubernetes change that does not replace the image",
  },
  "cni-switch": {
    id: "cni-switch",
    rule: "the CNI pack is never switched to another one (create another cluster)",
    source: `${UPGRADE_BEHAVIOR}, section 'Network Layer'`,
  },
  "storage-switch": {
    id: "storage-switch",
    rule: "the storage pack is never switched to another one (create another cluster)",
    source: `${UPGRADE_BEHAVIOR}, section 'Storage Layer'`,
  },
};

/** A constraint that no path can meet, and where: the step (1-based) it fails at, when there is one. */
export interface ConstraintProblem {
  constraint: PathConstraintId;
  step?: number;
  message: string;
}

/** The problem as one sentence naming the constraint and the step. */
export function problemMessage(problem: ConstraintProblem): string {
  const where = problem.step !== undefined ? ` at step ${problem.step}` : "";
  return `constraint ${problem.constraint}${where}: ${problem.message} (${PATH_CONSTRAINTS[problem.constraint].rule})`;
}
