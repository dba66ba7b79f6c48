// oidc-provider ships no type declarations (and @types/oidc-provider is not installed): the interop
// test uses the few members it needs through this loose declaration.
declare module 'oidc-provider' {
  const Provider: any;
  export default Provider;
}
