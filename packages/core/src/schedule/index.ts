export {
  CronError,
  type CronInput,
  type CronSchedule,
  latestCronTime,
  nextCronTime,
  parseCron,
  timeZoneOffsetMs,
} from './cron-schedule.js';
