/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the Marketplace, for example "http://localhost:8080". */
  readonly VITE_MARKETPLACE_URL?: string;
  /** The IAM's issuer URL, for example "http://localhost:8081". */
  readonly VITE_IAM_ISSUER?: string;
  /** The app's OAuth client id at the IAM. */
  readonly VITE_OIDC_CLIENT_ID?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
