() => {
  // Centre the highlighted span inside the article panel, then bring the panel into view.
  const go = (tries) => {
    const mark = document.getElementById('nd-open-mark');
    if (!mark) { if (tries > 0) setTimeout(() => go(tries - 1), 100); return; }
    let box = mark.parentElement;
    while (box && box !== document.body) {
      const style = getComputedStyle(box);
      if (box.scrollHeight > box.clientHeight + 1 && /(auto|scroll)/.test(style.overflowY)) break;
      box = box.parentElement;
    }
    if (box && box !== document.body) {
      const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
      box.scrollTo({top: box.scrollTop + offset - box.clientHeight / 2 + mark.offsetHeight / 2,
                     behavior: 'instant'});
    }
    mark.scrollIntoView({block: 'nearest', behavior: 'instant'});
  };
  setTimeout(() => go(20), 50);
}
