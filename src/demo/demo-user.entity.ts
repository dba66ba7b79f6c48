import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A person of the demo server (the module does not own users; the application does). */
@Entity({ name: 'demo_user' })
export class DemoUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  username: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;

  /** scrypt hash; the password itself is never stored. */
  @Column({ name: 'password_hash', type: 'varchar', length: 300 })
  passwordHash: string;
}
