/** This process's peak RSS in bytes (see peak-rss.mjs). */
export function peakRss(): number;
