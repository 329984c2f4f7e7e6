// Entry point: flags -> read config -> wire adapters -> run; the only place that exits.
console.log('wip');
