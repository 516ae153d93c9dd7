export { makeView, asStrided, permute } from "./strided";
export { slidingWindowView, viewAsWindows, windows, WindowOptions } from "./windows";
export { pad } from "./pad";
export { assign, addScaled } from "./assign";
