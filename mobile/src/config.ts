// Where the app finds the Marketplace and the IAM. Set at build time with
// VITE_MARKETPLACE_URL, VITE_OIDC_ISSUER and VITE_OIDC_CLIENT_ID; the defaults
// fit `npm start` on this computer.

/** The app's runtime settings. */
export interface AppConfig {
  /** The Marketplace's client-facing base URL (Connect). */
  marketplaceUrl: string;
  /** The OpenID provider customers sign in at. */
  issuer: string;
  /** This app's public OAuth client id at the IAM. */
  clientId: string;
  /** Where the IAM sends the browser back to with the authorization code. */
  redirectUri: string;
}

/** The settings of this build. */
export const config: AppConfig = {
  marketplaceUrl: import.meta.env.VITE_MARKETPLACE_URL ?? "http://localhost:8080",
  issuer: import.meta.env.VITE_OIDC_ISSUER ?? "http://localhost:8081",
  clientId: import.meta.env.VITE_OIDC_CLIENT_ID ?? "eddie-mobile",
  redirectUri: `${window.location.origin}/callback`,
};
