export { createMailer, type Mailer, type MailerOptions, type MailLog, type MailMessage } from './mailer.ts';
