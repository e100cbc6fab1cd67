/**
 * The demo eligible party's organisation. The IAM gives the demo EP account
 * this organisation, and the Marketplace's demo catalog belongs to it, so the
 * demo EP signs in to find its requests already there.
 */
export const demoOrganisation = { id: "org_demo-energy", name: "Demo Energy GmbH" } as const;

/** The demo EP's receiver (IngestService), which `npm start` runs. */
export const demoDeliveryEndpoint = "http://127.0.0.1:50061";
