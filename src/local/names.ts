/** The stream, table and topic `overdue dev` creates: the defaults the CLI's commands talk to. */
export const LOCAL_NAME = 'overdue-local';
export const LOCAL_TOPIC = `arn:aws:sns:us-east-1:000000000000:${LOCAL_NAME}`;
