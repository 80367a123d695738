export { createMailer, type Mailer, type MailerOptions, type MailMessage } from './mailer.ts';
