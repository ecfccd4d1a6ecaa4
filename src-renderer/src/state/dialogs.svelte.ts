/** Confirm and prompt as promises, shown by the one <Prompts> component in the layout. */

export interface PendingDialog {
  kind: 'confirm' | 'prompt';
  title: string;
  message: string;
  confirmLabel: string;
  danger: boolean;
  value: string;
  multiline: boolean;
  /** Checks a prompt's value; a message keeps the dialog open. */
  validate?: (value: string) => string | null;
  resolve(result: string | null): void;
}

class Dialogs {
  current = $state<PendingDialog | null>(null);

  confirm(title: string, message: string, confirmLabel = 'OK', danger = false): Promise<boolean> {
    return new Promise((resolve) => {
      this.current?.resolve(null);
      this.current = {
        kind: 'confirm',
        title,
        message,
        confirmLabel,
        danger,
        value: '',
        multiline: false,
        resolve: (result) => resolve(result !== null),
      };
    });
  }

  prompt(
    title: string,
    value: string,
    options: {
      message?: string;
      confirmLabel?: string;
      multiline?: boolean;
      validate?: (value: string) => string | null;
    } = {},
  ): Promise<string | null> {
    return new Promise((resolve) => {
      this.current?.resolve(null);
      this.current = {
        kind: 'prompt',
        title,
        message: options.message ?? '',
        confirmLabel: options.confirmLabel ?? 'Save',
        danger: false,
        value,
        multiline: options.multiline ?? false,
        validate: options.validate,
        resolve,
      };
    });
  }

  finish(result: string | null): void {
    const current = this.current;
    this.current = null;
    current?.resolve(result);
  }
}

export const dialogs = new Dialogs();
