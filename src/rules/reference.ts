/** A page of Palette's public documentation (its source is spectrocloud/librarium, docs/docs-content/). */
export interface DocPage {
  title: string;
  url: string;
  /** The page's source in spectrocloud/librarium. */
  source: string;
}

const SITE = "https://docs.spectrocloud.com";

function page(title: string, path: string, source = path): DocPage {
  return { title, url: `${SITE}/${path}/`, source: `docs/docs-content/${source}.md` };
}

/** Every page edgesim's rules cite; docs/palette-sources.md lists what was read in each. */
export const PAGES = {
  // The page moved under cluster-management/ in later releases; the address the rules have always cited is kept.
  upgradeBehavior: page(
    "Edge Cluster Upgrade Behavior",
    "clusters/edge/upgrade-behavior",
    "clusters/edge/cluster-management/upgrade-behavior",
  ),
  systemdExtensions: page(
    "Deliver Kubernetes and Agent Binaries via systemd Extensions",
    "clusters/edge/edgeforge-workflow/palette-canvos/build-provider-images/systemd-extensions",
  ),
  skipDraining: page("Skip Node Draining During Upgrades", "clusters/edge/cluster-management/skip-draining"),
  twoNode: page("Two-Node Architecture", "clusters/edge/architecture/two-node"),
  nodePool: page("Node Pools", "clusters/cluster-management/node-pool"),
  knownIssues: page("Known Issues", "release-notes/known-issues"),
  releaseNotes: page("Release Notes", "release-notes/release-notes"),
} as const satisfies Record<string, DocPage>;

/** Palette's public documentation page the upgrade rules come from ("Edge Cluster Upgrade Behavior"). */
export const REFERENCE_PAGE = PAGES.upgradeBehavior.url;
