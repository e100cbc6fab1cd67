import {
  Asset,
  ItemStatus,
  PermissionState,
  Schema,
  SearchRunState,
  ServiceCategory,
} from "@eddie-marketplace/sdk";

/** The tone a status is shown in. */
export type Tone = "neutral" | "info" | "success" | "warning" | "danger";

/** Words and tone for each catalog item status. */
export const itemStatusLabel: Record<ItemStatus, { text: string; tone: Tone }> = {
  [ItemStatus.UNSPECIFIED]: { text: "Unknown", tone: "neutral" },
  [ItemStatus.DRAFT]: { text: "Draft", tone: "warning" },
  [ItemStatus.PUBLISHED]: { text: "Published", tone: "success" },
  [ItemStatus.ARCHIVED]: { text: "Archived", tone: "neutral" },
};

/** Words and tone for each permission state. */
export const permissionStateLabel: Record<PermissionState, { text: string; tone: Tone }> = {
  [PermissionState.UNSPECIFIED]: { text: "Unknown", tone: "neutral" },
  [PermissionState.REQUESTED]: { text: "Awaiting decision", tone: "info" },
  [PermissionState.APPROVED]: { text: "Approved", tone: "success" },
  [PermissionState.REJECTED]: { text: "Rejected", tone: "danger" },
  [PermissionState.EXPIRED]: { text: "Expired", tone: "neutral" },
  [PermissionState.CONFIGURING]: { text: "Configuring", tone: "info" },
  [PermissionState.ACTIVE]: { text: "Active", tone: "success" },
  [PermissionState.REVOKED]: { text: "Revoked", tone: "danger" },
  [PermissionState.TERMINATED]: { text: "Terminated", tone: "neutral" },
  [PermissionState.FULFILLED]: { text: "Fulfilled", tone: "neutral" },
  [PermissionState.FAILED]: { text: "Failed", tone: "danger" },
};

/** Words and tone for each search run state. */
export const searchRunStateLabel: Record<SearchRunState, { text: string; tone: Tone }> = {
  [SearchRunState.UNSPECIFIED]: { text: "Unknown", tone: "neutral" },
  [SearchRunState.RUNNING]: { text: "Running", tone: "info" },
  [SearchRunState.COMPLETED]: { text: "Completed", tone: "success" },
  [SearchRunState.CANCELLED]: { text: "Cancelled", tone: "neutral" },
};

/** Names of the service categories, in the order a form offers them. */
export const serviceCategoryLabel: Record<ServiceCategory, string> = {
  [ServiceCategory.UNSPECIFIED]: "Choose a category",
  [ServiceCategory.ENERGY_INSIGHTS]: "Energy insights",
  [ServiceCategory.FLEXIBILITY]: "Flexibility",
  [ServiceCategory.TARIFF]: "Tariff",
  [ServiceCategory.SELF_CONSUMPTION]: "Self-consumption",
  [ServiceCategory.DEVICE_OPTIMISATION]: "Device optimisation",
  [ServiceCategory.RESEARCH]: "Research",
};

/** Plain-words explanations of the AIIDA assets, for the form. */
export const assetMeaning: Record<Asset, string> = {
  [Asset.UNSPECIFIED]: "",
  [Asset.CONNECTION_AGREEMENT_POINT]: "The main meter, where the household connects to the grid.",
  [Asset.CONTROLLABLE_UNIT]: "A unit that can be steered, such as a heat pump or a charger.",
  [Asset.DEDICATED_MEASUREMENT_DEVICE]:
    "A device installed only to measure, such as a clamp meter.",
  [Asset.SUBMETER]: "A meter behind the main meter, such as a flat or a PV inverter.",
};

/** Plain-words explanations of the AIIDA schemas, for the form. */
export const schemaMeaning: Record<Schema, string> = {
  [Schema.UNSPECIFIED]: "",
  [Schema.SMART_METER_P1_RAW]: "The raw P1 telegram values as the meter reports them.",
  [Schema.SMART_METER_P1_CIM_V1_04]: "CIM validated historical data, version 1.04.",
  [Schema.SMART_METER_P1_CIM_V1_12]: "CIM real-time data, version 1.12.",
};

/** The countries a request or offer can target (the EDDIE area), by ISO code. */
export const countries: readonly { code: string; name: string }[] = [
  { code: "AT", name: "Austria" },
  { code: "BE", name: "Belgium" },
  { code: "DE", name: "Germany" },
  { code: "DK", name: "Denmark" },
  { code: "ES", name: "Spain" },
  { code: "FI", name: "Finland" },
  { code: "FR", name: "France" },
  { code: "GR", name: "Greece" },
  { code: "IT", name: "Italy" },
  { code: "LU", name: "Luxembourg" },
  { code: "NL", name: "Netherlands" },
  { code: "NO", name: "Norway" },
  { code: "PT", name: "Portugal" },
  { code: "SE", name: "Sweden" },
  { code: "SI", name: "Slovenia" },
];
