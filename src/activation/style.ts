/** The pages' only stylesheet, served from the module (no external assets, no inline styles). */
export const ACTIVATION_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1a1a;background:#f3f4f6}
main{max-width:32rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}
p{margin:.5rem 0}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.hint{color:#4b5563;font-size:.875rem;margin:.25rem 0 0}
input[type=text],input[type=password]{display:block;width:100%;font-size:1.125rem;padding:.75rem;border:2px solid #6b7280;border-radius:8px;background:#fff;color:#111}
input.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.5rem;letter-spacing:.15em;text-transform:uppercase}
input:focus,button:focus,a:focus,summary:focus{outline:3px solid #1d4ed8;outline-offset:2px}
button{display:block;width:100%;font-size:1.125rem;font-weight:600;padding:.8rem 1rem;margin-top:1rem;border-radius:8px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1d4ed8}
button.danger{background:#fff;color:#b91c1c;border-color:#b91c1c}
.actions{display:flex;flex-direction:column;gap:.25rem}
.alert{border-left:4px solid #b91c1c;background:#fef2f2;color:#7f1d1d;padding:.75rem;border-radius:6px;margin:.75rem 0}
.notice{border-left:4px solid #1d4ed8;background:#eff6ff;color:#1e3a8a;padding:.75rem;border-radius:6px;margin:.75rem 0}
.warning{border-left:4px solid #b45309;background:#fffbeb;color:#78350f;padding:.75rem;border-radius:6px;margin:1rem 0;font-weight:500}
.usercode{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:2rem;font-weight:700;letter-spacing:.2em;text-align:center;padding:.5rem;background:#f9fafb;border:2px dashed #6b7280;border-radius:8px;margin:.5rem 0 1rem}
dl{display:grid;grid-template-columns:minmax(7rem,auto) 1fr;gap:.25rem .75rem;margin:.5rem 0}
dt{color:#4b5563}
dd{margin:0;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:1.25rem 0 .25rem}
ul.scopes{margin:.25rem 0;padding-left:1.25rem}
.user{display:flex;justify-content:space-between;align-items:center;gap:.5rem;font-size:.875rem;color:#374151;margin-bottom:.75rem}
.user form button{width:auto;margin:0;padding:.25rem .75rem;font-size:.875rem}
details{margin-top:1.25rem}
summary{cursor:pointer;color:#1d4ed8}
.qr{display:block;width:12rem;height:12rem;margin:.75rem auto;background:#fff}
.qr svg{width:100%;height:100%}
.devices{list-style:none;padding:0;margin:0}
.devices li{border-top:1px solid #e5e7eb;padding:.75rem 0}
a{color:#1d4ed8}
@media (min-width:48rem){main{padding:3rem 1rem}.card{padding:2rem}.actions{flex-direction:row-reverse}.actions button{flex:1}}
@media (prefers-color-scheme:dark){body{background:#111827;color:#f3f4f6}.card{background:#1f2937;box-shadow:none}input[type=text],input[type=password]{background:#111827;color:#f9fafb;border-color:#9ca3af}dt,.hint,.user{color:#d1d5db}.usercode{background:#111827;border-color:#9ca3af}button.secondary,button.danger{background:#1f2937}button.secondary{color:#93c5fd;border-color:#93c5fd}button.danger{color:#fca5a5;border-color:#fca5a5}a,summary{color:#93c5fd}.alert{background:#450a0a;color:#fecaca}.notice{background:#172554;color:#bfdbfe}.warning{background:#451a03;color:#fde68a}}
`;
