/**
 * A Svelte action that makes an element a drop target for files from the desktop: while
 * files are dragged over it `over` is called with true (to highlight it), and a drop hands
 * the files on. Drags of anything else (text, links) are left alone. Keyboard users have
 * the same import through a button beside each target.
 */
export interface DropFilesOptions {
  onFiles: (files: File[]) => void;
  over?: (active: boolean) => void;
}

function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

export function dropFiles(node: HTMLElement, initial: DropFilesOptions) {
  let options = initial;
  // dragenter/dragleave fire for every child; count them to know when the pointer left.
  let depth = 0;
  const enter = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (depth++ === 0) options.over?.(true);
  };
  const over = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  };
  const leave = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    if (--depth <= 0) {
      depth = 0;
      options.over?.(false);
    }
  };
  const drop = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.stopPropagation();
    depth = 0;
    options.over?.(false);
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) options.onFiles(files);
  };
  node.addEventListener('dragenter', enter);
  node.addEventListener('dragover', over);
  node.addEventListener('dragleave', leave);
  node.addEventListener('drop', drop);
  return {
    update(next: DropFilesOptions) {
      options = next;
    },
    destroy() {
      node.removeEventListener('dragenter', enter);
      node.removeEventListener('dragover', over);
      node.removeEventListener('dragleave', leave);
      node.removeEventListener('drop', drop);
    },
  };
}
