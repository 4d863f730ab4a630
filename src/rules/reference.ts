/** Palette's public documentation page the rules come from ("Edge Cluster Upgrade Behavior"). */
export const REFERENCE_PAGE = "https://docs.spectrocloud.com/clusters/edge/upgrade-behavior/";
