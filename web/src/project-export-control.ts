/**
 * "Export dataset" in the project panel: the whole project as one ZIP in a format `samkit annotate`
 * writes (the server builds it with the same writers), downloaded by the browser.
 */
const FORMATS: ReadonlyArray<[string, string]> = [['coco', 'COCO (all images)'], ['yolo', 'YOLO segmentation'], ['png', 'PNG masks'], ['sa1b', 'SA-1B JSON'], ['labelme', 'LabelMe / X-AnyLabeling JSON']];

export function createExportControl(projectName: () => string): HTMLElement {
  const box = document.createElement('div');
  box.className = 'project-export';
  box.id = 'project-export';
  const select = document.createElement('select');
  select.id = 'project-export-format';
  for (const [value, text] of FORMATS) select.append(new Option(text, value));
  const button = document.createElement('button');
  button.className = 'btn ghost small';
  button.id = 'project-export-button';
  button.textContent = 'Export dataset';
  const status = document.createElement('span');
  status.className = 'muted small';
  status.id = 'project-export-status';
  button.addEventListener('click', () => {
    void (async () => {
      button.disabled = true;
      status.textContent = 'exporting…';
      try {
        const res = await fetch(`/api/project/export?format=${encodeURIComponent(select.value)}`);
        if (!res.ok) throw new Error(((await res.json().catch(() => null)) as { error?: string } | null)?.error ?? `HTTP ${res.status}`);
        const url = URL.createObjectURL(await res.blob());
        const a = document.createElement('a');
        a.href = url;
        a.download = `${projectName() || 'project'}-${select.value}.zip`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        status.textContent = 'exported';
      } catch (err) {
        status.textContent = `export failed: ${(err as Error).message}`;
      } finally {
        button.disabled = false;
      }
    })();
  });
  box.append(select, button, status);
  return box;
}
